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
    // RFC 9758's two-part form is node.service of allocator 0 (docs/spec-notes.md §4.1.1).
    ['ipn:100.5', { scheme: 'ipn', allocator: 0, node: 100, service: 5 }],
    ['ipn:100.5.7', { scheme: 'ipn', allocator: 100, node: 5, service: 7 }],
    ['ipn:0.977.18446744073709551615', { scheme: 'ipn', allocator: 0, node: 977, service: 2 ** 64 }],
    ['ipn:977.18446744073709551615', { scheme: 'ipn', allocator: 0, node: 977, service: 2 ** 64 }],
    ['dtn://rover1.example.org/svc', { scheme: 'dtn', authority: 'rover1.example.org', path: '/svc' }],
    ['dtn://Rover1.Example.org/', { scheme: 'dtn', authority: 'rover1.example.org', path: '/' }],
    ['IPN:100.5.0', { scheme: 'ipn', allocator: 100, node: 5, service: 0 }],
    ['dtn://rover1', { scheme: 'dtn', authority: 'rover1', path: '' }],
  ])('reads %s', (text, expected) => expect(eid(text)).toEqual(expected));

  it.each([
    ['ipn:100.*', 'concrete'],
    ['ipn:*', 'concrete'],
    ['ipn:100', 'expected "."'],
    ['ipn:100.5.', 'expected the service'],
    ['ipn:100.5.18446744073709551616', 'over 2^64-1'],
    ['ipn:100.18446744073709551616', 'over 2^64-1'],
    ['ipn:100.4294967296.1', 'the node 4294967296 is over 2^32-1'],
    ['ipn:100.5.6.7', 'unexpected "."'],
    ['ipn:100.05', 'leading zero'],
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
    ['ipn:100.*.*', 'ipn:100.5.1', true],
    ['ipn:100.5.*', 'ipn:100.5.0', true],
    ['ipn:100.5.*', 'ipn:100.5.42', true],
    ['ipn:100.5.*', 'ipn:100.6.0', false],
    ['ipn:100.*.*', 'ipn:101.5.0', false],
    // Two-part EIDs are allocator 0's.
    ['ipn:0.100.*', 'ipn:100.5', true],
    ['ipn:100.5.*', 'ipn:100.5', false],
    ['ipn:0.100.5', 'ipn:100.5', true],
    ['ipn:100.5.7', 'ipn:100.5.7', true],
    ['ipn:100.5.7', 'ipn:100.5.8', false],
    ['ipn:100.5.[0-63]', 'ipn:100.5.63', true],
    ['ipn:100.5.[0-63]', 'ipn:100.5.64', false],
    ['ipn:100.5.[0-63]', 'ipn:100.6.1', false],
    ['ipn:0.5.[0-63]', 'ipn:0.5.18446744073709551615', false],
    ['ipn:0.5.*', 'ipn:0.5.18446744073709551615', true],
    ['ipn:100.[10-13].*', 'ipn:100.10.1', true],
    ['ipn:100.[10-13].*', 'ipn:100.13.1', true],
    ['ipn:100.[10-13].*', 'ipn:100.9.1', false],
    ['ipn:100.[10-13].*', 'ipn:100.14.1', false],
    ['ipn:**', 'ipn:4294967295.4294967295.1', true],
    ['ipn:**', 'dtn://rover1.example.org/', false],
    ['dtn://rover1.example.org/**', 'dtn://rover1.example.org/svc', true],
    ['dtn://rover1.example.org/**', 'dtn://ROVER1.example.org/svc', true],
    ['dtn://rover1.example.org/**', 'dtn://rover2.example.org/svc', false],
    ['dtn://rover1.example.org/svc', 'dtn://rover1.example.org/svc', true],
    ['dtn://rover1.example.org/svc', 'dtn://Rover1.example.org/svc', true],
    ['dtn://rover1.example.org/svc', 'dtn://rover1.example.org/Svc', false],
    ['dtn://rover1.example.org/svc', 'dtn://rover1.example.org/svc/a', false],
    ['dtn://rover1.example.org/svc', 'dtn://rover1.example.org/', false],
    ['dtn://rover*.example.org/**', 'dtn://rover1.example.org/svc', true],
    ['dtn://rover*.example.org/**', 'dtn://rover.example.org/', true],
    ['dtn://rover*.example.org/**', 'dtn://rove.example.org/', false],
    ['dtn://rover*.example.org/**', 'dtn://rover1.mars.example.org/', false],
    ['dtn://*.example.org/**', 'dtn://lander.example.org/', true],
    ['dtn://*.example.org/**', 'dtn://example.org/', false],
    ['dtn://*.example.org/**', 'dtn://a.b.example.org/', false],
    ['dtn://*.example.org/**', 'dtn://lander.example.org.evil/', false],
    ['dtn://rover*/**', 'dtn://rover7/', true],
    ['dtn://rover*/**', 'dtn://rover7.example.org/', false],
    ['dtn:**', 'dtn://anything.at.all/x', true],
    ['dtn:**', 'ipn:1.1', false],
  ] as const)('%s ~ %s → %s', (p, e, expected) => expect(matches(pattern(p), eid(e))).toBe(expected));
});
