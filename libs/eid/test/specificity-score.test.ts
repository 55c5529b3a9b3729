import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePattern, specificityScore, type EidPattern } from '#libs/eid';
import { anyPattern } from '../../../test/harness/arbitraries.ts';

const score = (text: string): number => {
  const parsed = parsePattern(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return specificityScore(parsed.value);
};

describe('specificityScore (§4.2)', () => {
  it('reproduces Table 1 (dtn)', () => {
    expect(score('dtn://rover1.example.org')).toBe(274);
    expect(score('dtn://rover*.example.org')).toBe(17);
  });

  it('reproduces Table 2 (ipn)', () => {
    expect(score('ipn:100.1')).toBe(320);
    expect(score('ipn:100.*')).toBe(32);
    expect(score('ipn:100.[10-13]')).toBe(62);
    expect(score('ipn:*')).toBe(0);
  });

  it('ranks every exact pattern above every wildcard pattern', () => {
    const isExact = (p: EidPattern): boolean =>
      p.scheme === 'dtn' ? p.wildcardAt < 0 : p.allocator !== '*' && p.node.kind === 'exact';
    fc.assert(
      fc.property(anyPattern, anyPattern, (a, b) => {
        if (isExact(a) && !isExact(b)) expect(specificityScore(a)).toBeGreaterThan(specificityScore(b));
      }),
    );
  });

  it('never scores a node range below a range that contains it (monotonic specificity)', () => {
    const bound = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    fc.assert(
      fc.property(bound, bound, bound, bound, (w, x, y, z) => {
        // Sorted a ≤ b ≤ c ≤ d: the range [b-c] lies inside [a-d].
        const [a, b, c, d] = [w, x, y, z].sort((p, q) => p - q) as [number, number, number, number];
        expect(score(`ipn:1.[${b}-${c}]`)).toBeGreaterThanOrEqual(score(`ipn:1.[${a}-${d}]`));
      }),
    );
  });

  it('keeps every score a uint32 below 512', () => {
    fc.assert(
      fc.property(anyPattern, (p) => {
        expect(specificityScore(p)).toBeLessThan(512);
      }),
    );
  });
});
