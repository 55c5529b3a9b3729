import { describe, expect, it } from 'vitest';
import { matches, parseEid, parsePattern, type Eid, type EidPattern } from '#libs/eid';

const pattern = (text: string): EidPattern => {
  const parsed = parsePattern(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
};
const eid = (text: string): Eid => {
  const parsed = parseEid(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
};

describe('parseEid', () => {
  it.each([
    ['ipn:100.5', { scheme: 'ipn', allocator: 100, node: 5 }],
    ['ipn:100.5.7', { scheme: 'ipn', allocator: 100, node: 5 }],
    ['ipn:0.977.18446744073709551615', { scheme: 'ipn', allocator: 0, node: 977 }],
    ['dtn://rover1.example.org/svc', { scheme: 'dtn', authority: 'rover1.example.org' }],
    ['dtn://Rover1.Example.org/', { scheme: 'dtn', authority: 'rover1.example.org' }],
    ['IPN:100.5', { scheme: 'ipn', allocator: 100, node: 5 }],
    ['dtn://rover1', { scheme: 'dtn', authority: 'rover1' }],
  ])('reads %s', (text, expected) => expect(eid(text)).toEqual(expected));

  it.each([
    ['ipn:100.*', 'concrete'],
    ['ipn:*', 'concrete'],
    ['ipn:100', 'expected "."'],
    ['ipn:100.5.', 'expected the service number'],
    ['ipn:100.5.18446744073709551616', 'over 2^64-1'],
    ['ipn:100.5.6.7', 'unexpected "."'],
    ['dtn://*.example.org/x', 'concrete'],
    ['dtn:none', 'null endpoint'],
    ['mailto:x@y', 'not an ipn or dtn EID'],
    ['ipn\x1a1.2', 'not an ipn or dtn EID'],
    ['ipn:1.2\u00e9', 'unexpected'],
  ])('rejects %s', (text, phrase) => {
    const parsed = parseEid(text);
    expect(parsed.ok ? 'accepted' : parsed.error.reason).toContain(phrase);
  });
});

describe('matches', () => {
  it.each([
    // [pattern, EID, matches]
    ['ipn:100.*', 'ipn:100.5', true],
    ['ipn:100.5', 'ipn:100.5', true],
    ['ipn:100.5', 'ipn:100.5.42', true],
    ['ipn:100.5', 'ipn:100.6', false],
    ['ipn:100.*', 'ipn:101.5', false],
    ['ipn:100.[10-13]', 'ipn:100.10', true],
    ['ipn:100.[10-13]', 'ipn:100.13', true],
    ['ipn:100.[10-13]', 'ipn:100.9', false],
    ['ipn:100.[10-13]', 'ipn:100.14', false],
    ['ipn:*', 'ipn:4294967295.4294967295', true],
    ['ipn:*', 'dtn://rover1.example.org', false],
    ['dtn://rover1.example.org', 'dtn://rover1.example.org/svc', true],
    ['dtn://rover1.example.org', 'dtn://ROVER1.example.org/svc', true],
    ['dtn://rover1.example.org', 'dtn://rover2.example.org/svc', false],
    ['dtn://rover*.example.org', 'dtn://rover1.example.org/svc', true],
    ['dtn://rover*.example.org', 'dtn://rover.example.org', true],
    ['dtn://rover*.example.org', 'dtn://rove.example.org', false],
    ['dtn://rover*.example.org', 'dtn://rover1.mars.example.org', false],
    ['dtn://*.example.org', 'dtn://lander.example.org', true],
    ['dtn://*.example.org', 'dtn://example.org', false],
    ['dtn://*.example.org', 'dtn://a.b.example.org', false],
    ['dtn://*.example.org', 'dtn://lander.example.org.evil', false],
    ['dtn://*rover.example.org', 'dtn://marsrover.example.org', true],
    ['dtn://ro*er.example.org', 'dtn://rover.example.org', true],
    ['dtn://ro*er.example.org', 'dtn://roer.example.org', true],
    ['dtn://ro*er.example.org', 'dtn://rer.example.org', false],
    ['dtn://rover*', 'dtn://rover7', true],
    ['dtn://rover*', 'dtn://rover7.example.org', false],
    ['dtn://*', 'dtn://anything.at.all/x', true],
    ['dtn://*', 'ipn:1.1', false],
  ] as const)('%s ~ %s → %s', (p, e, expected) => expect(matches(pattern(p), eid(e))).toBe(expected));
});
