import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers, matches, overlaps, parseEid, parsePattern, type EidPattern } from '#libs/eid';

const p = (text: string): EidPattern => {
  const parsed = parsePattern(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  return parsed.value;
};

describe('covers', () => {
  it.each([
    ['ipn:*', 'ipn:100.7', true],
    ['ipn:100.*', 'ipn:100.[1-5]', true],
    ['ipn:100.*', 'ipn:101.1', false],
    ['ipn:100.[1-10]', 'ipn:100.[2-4]', true],
    ['ipn:100.[1-10]', 'ipn:100.[2-11]', false],
    ['ipn:100.3', 'ipn:100.3', true],
    ['ipn:100.3', 'ipn:100.*', false],
    ['ipn:100.*', 'ipn:*', false],
    ['dtn://*', 'dtn://rover.example.org', true],
    ['dtn://*.example.org', 'dtn://rover.example.org', true],
    ['dtn://*.example.org', 'dtn://rover*.example.org', true],
    ['dtn://rover*.example.org', 'dtn://*.example.org', false],
    ['dtn://ro*.example.org', 'dtn://rover*x.example.org', true],
    ['dtn://*.example.org', 'dtn://*.other.org', false],
    ['dtn://*.example.org', 'ipn:1.1', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(covers(p(outer), p(inner))).toBe(expected);
  });

  it('never says an EID the inner pattern matches lies outside the outer one', () => {
    const ipn = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }));
    const text = fc.oneof(
      fc.constant('ipn:*'),
      ipn.map(([a, x]) => `ipn:${a}.${x}`),
      ipn.map(([a]) => `ipn:${a}.*`),
      ipn.map(([a, x, y]) => `ipn:${a}.[${Math.min(x, y)}-${Math.max(x, y) + 1}]`),
    );
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 25 }), (outer, inner, a, n) => {
        const eid = parseEid(`ipn:${a}.${n}`);
        if (!eid.ok) throw new Error('eid');
        if (covers(p(outer), p(inner)) && matches(p(inner), eid.value)) expect(matches(p(outer), eid.value)).toBe(true);
      }),
    );
  });
});

describe('overlaps', () => {
  it.each([
    ['ipn:100.[0-15]', 'ipn:100.[12-19]', true],
    ['ipn:100.[0-15]', 'ipn:100.[16-19]', false],
    ['ipn:100.*', 'ipn:101.*', false],
    ['ipn:*', 'ipn:101.3', true],
    ['dtn://ro*.example.org', 'dtn://*er.example.org', true],
    ['dtn://ro*.example.org', 'dtn://ab*.example.org', false],
    ['dtn://rover.example.org', 'dtn://ro*.example.org', true],
    ['dtn://*.example.org', 'ipn:1.1', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(overlaps(p(a), p(b))).toBe(expected);
    expect(overlaps(p(b), p(a))).toBe(expected);
  });
});
