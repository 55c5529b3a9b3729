import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers, matches, overlaps, parsePattern, type EidPattern } from '#libs/eid';
import { anyEid, anyPattern } from '../../../test/harness/arbitraries.ts';

const p = (text: string): EidPattern => {
  const parsed = parsePattern(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  return parsed.value;
};

describe('covers', () => {
  it.each([
    ['ipn:**', 'ipn:100.7.*', true],
    ['ipn:**', 'ipn:100.7.3', true],
    ['ipn:100.*.*', 'ipn:100.[1-5].*', true],
    ['ipn:100.*.*', 'ipn:100.7.3', true],
    ['ipn:100.*.*', 'ipn:101.1.*', false],
    ['ipn:100.[1-10].*', 'ipn:100.[2-4].*', true],
    ['ipn:100.[1-10].*', 'ipn:100.[2-11].*', false],
    ['ipn:100.[1-10].*', 'ipn:100.3.[0-7]', true],
    ['ipn:100.3.*', 'ipn:100.3.*', true],
    ['ipn:100.3.*', 'ipn:100.3.9', true],
    ['ipn:100.3.*', 'ipn:100.3.[1-9]', true],
    ['ipn:100.3.[0-9]', 'ipn:100.3.9', true],
    ['ipn:100.3.[0-9]', 'ipn:100.3.10', false],
    ['ipn:100.3.[0-9]', 'ipn:100.3.*', false],
    ['ipn:100.3.9', 'ipn:100.3.*', false],
    ['ipn:100.3.*', 'ipn:100.*.*', false],
    ['ipn:100.*.*', 'ipn:**', false],
    ['dtn:**', 'dtn://rover.example.org/**', true],
    ['dtn:**', 'dtn://rover.example.org/svc', true],
    ['dtn://*.example.org/**', 'dtn://rover.example.org/**', true],
    ['dtn://*.example.org/**', 'dtn://rover.example.org/svc', true],
    ['dtn://*.example.org/**', 'dtn://rover*.example.org/**', true],
    ['dtn://rover*.example.org/**', 'dtn://*.example.org/**', false],
    ['dtn://ro*.example.org/**', 'dtn://rover*.example.org/**', true],
    ['dtn://*.example.org/**', 'dtn://*.other.org/**', false],
    ['dtn://rover.example.org/**', 'dtn://rover.example.org/svc', true],
    ['dtn://rover.example.org/svc', 'dtn://rover.example.org/svc', true],
    ['dtn://rover.example.org/svc', 'dtn://rover.example.org/**', false],
    ['dtn://rover.example.org/svc', 'dtn://rover.example.org/other', false],
    ['dtn://*.example.org/**', 'ipn:1.1.*', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(covers(p(outer), p(inner))).toBe(expected);
  });

  it('never says an EID the inner pattern matches lies outside the outer one', () => {
    fc.assert(
      fc.property(anyPattern, anyPattern, anyEid, (outer, inner, eid) => {
        if (covers(outer, inner) && matches(inner, eid)) expect(matches(outer, eid)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('overlaps', () => {
  it.each([
    ['ipn:100.[0-15].*', 'ipn:100.[12-19].*', true],
    ['ipn:100.[0-15].*', 'ipn:100.[16-19].*', false],
    ['ipn:100.*.*', 'ipn:101.*.*', false],
    ['ipn:**', 'ipn:101.3.*', true],
    ['ipn:101.3.[0-4]', 'ipn:101.3.[5-9]', false],
    ['ipn:101.3.[0-4]', 'ipn:101.[2-3].*', true],
    ['dtn://ro*.example.org/**', 'dtn://rover*.example.org/**', true],
    ['dtn://ro*.example.org/**', 'dtn://ab*.example.org/**', false],
    ['dtn://rover.example.org/**', 'dtn://ro*.example.org/**', true],
    ['dtn://rover.example.org/svc', 'dtn://ro*.example.org/**', true],
    ['dtn://rover.example.org/svc', 'dtn://rover.example.org/other', false],
    ['dtn://rover.example.org/svc', 'dtn://ab*.example.org/**', false],
    ['dtn://*.example.org/**', 'ipn:1.1.*', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(overlaps(p(a), p(b))).toBe(expected);
    expect(overlaps(p(b), p(a))).toBe(expected);
  });

  it('says two patterns do not overlap only when no EID matches both', () => {
    fc.assert(
      fc.property(anyPattern, anyPattern, anyEid, (a, b, eid) => {
        if (!overlaps(a, b)) expect(matches(a, eid) && matches(b, eid)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
