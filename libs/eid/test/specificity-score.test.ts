import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers, parsePattern, specificityScore, type EidPattern } from '#libs/eid';
import { anyPattern } from '../../../test/harness/arbitraries.ts';

const score = (text: string): number => {
  const parsed = parsePattern(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return specificityScore(parsed.value);
};

describe('specificityScore (§4.2)', () => {
  it('reproduces Table 1 of draft -01 (dtn), counting the "/" of a path (docs/spec-notes.md: the draft says 277)', () => {
    expect(score('dtn://rover1.example.org/svc')).toBe(278);
    expect(score('dtn://rover*.example.org/**')).toBe(18);
  });

  it('reproduces Table 2 of draft -01 (ipn)', () => {
    expect(score('ipn:100.1.5')).toBe(352);
    expect(score('ipn:100.1.*')).toBe(64);
    expect(score('ipn:100.*.*')).toBe(32);
    expect(score('ipn:100.[10-13].*')).toBe(62);
    expect(score('ipn:**')).toBe(0);
  });

  it('ranks every exact pattern above every wildcard pattern', () => {
    const isExact = (p: EidPattern): boolean =>
      p.scheme === 'dtn' ? p.path !== undefined : p.allocator !== '*' && p.node.kind === 'exact' && p.service.kind === 'exact';
    fc.assert(
      fc.property(anyPattern, anyPattern, (a, b) => {
        if (isExact(a) && !isExact(b)) expect(specificityScore(a)).toBeGreaterThan(specificityScore(b));
      }),
    );
  });

  it('never scores a node or service range below a range that contains it (monotonic specificity)', () => {
    const bound = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    fc.assert(
      fc.property(bound, bound, bound, bound, (w, x, y, z) => {
        // Sorted a ≤ b ≤ c ≤ d: the range [b-c] lies inside [a-d].
        const [a, b, c, d] = [w, x, y, z].sort((p, q) => p - q) as [number, number, number, number];
        expect(score(`ipn:1.[${b}-${c}].*`)).toBeGreaterThanOrEqual(score(`ipn:1.[${a}-${d}].*`));
        expect(score(`ipn:1.7.[${b}-${c}]`)).toBeGreaterThanOrEqual(score(`ipn:1.7.[${a}-${d}]`));
      }),
    );
  });

  it('scores every pattern at least as high as any pattern that covers it (nesting, §4.1)', () => {
    fc.assert(
      fc.property(anyPattern, anyPattern, (a, b) => {
        if (covers(a, b)) expect(specificityScore(b)).toBeGreaterThanOrEqual(specificityScore(a));
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
