import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPattern, matches, parseEid, parsePattern, specificityScore, type Eid, type EidPattern } from '#libs/eid';
import { Fib } from '#libs/fib';
import { anyEidText, anyPattern } from '../../../test/harness/arbitraries.ts';

const pattern = (text: string): EidPattern => {
  const parsed = parsePattern(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
};

const fibOf = (...texts: string[]): Fib<string> => {
  const fib = new Fib<string>();
  for (const text of texts) fib.set(pattern(text), `via ${text}`);
  return fib;
};

/** The reference: every pattern tried, best by score then canonical text. */
function bruteForce(patterns: Iterable<EidPattern>, eid: Eid): string | undefined {
  let best: { text: string; score: number } | undefined;
  for (const p of patterns) {
    if (!matches(p, eid)) continue;
    const candidate = { text: formatPattern(p), score: specificityScore(p) };
    if (!best || candidate.score > best.score || (candidate.score === best.score && candidate.text < best.text)) best = candidate;
  }
  return best?.text;
}

describe('Fib.lookup', () => {
  it.each([
    // [EID, expected winning pattern]
    ['ipn:100.5', 'ipn:100.5'],
    ['ipn:100.11', 'ipn:100.[10-13]'],
    ['ipn:100.200', 'ipn:100.[0-255]'],
    ['ipn:100.70000', 'ipn:100.*'],
    ['ipn:101.1', 'ipn:*'],
    ['dtn://rover1.example.org/svc', 'dtn://rover1.example.org'],
    ['dtn://rover2.example.org/svc', 'dtn://rover*.example.org'],
    ['dtn://lander.example.org', 'dtn://*.example.org'],
    ['dtn://lander.mars.example.org', 'dtn://*'],
  ])('%s goes to %s', (eid, expected) => {
    const fib = fibOf('ipn:100.5', 'ipn:100.[10-13]', 'ipn:100.[0-255]', 'ipn:100.*', 'ipn:*', 'dtn://rover1.example.org', 'dtn://rover*.example.org', 'dtn://*.example.org', 'dtn://*');
    expect(fib.lookup(eid)?.text).toBe(expected);
  });

  it('answers undefined when nothing matches, or when the text is not an EID', () => {
    const fib = fibOf('ipn:1.*', 'dtn://*.example.org');
    expect(fib.lookup('ipn:2.1')).toBeUndefined();
    expect(fib.lookup('dtn://example.org')).toBeUndefined();
    expect(fib.lookup('ipn:1.*')).toBeUndefined();
  });

  it('breaks equal scores by canonical text, whatever the insertion order', () => {
    // Both score 62 and both hold node 12.
    const forward = fibOf('ipn:1.[10-13]', 'ipn:1.[12-15]');
    const backward = fibOf('ipn:1.[12-15]', 'ipn:1.[10-13]');
    expect(forward.lookup('ipn:1.12')?.text).toBe('ipn:1.[10-13]');
    expect(backward.lookup('ipn:1.12')?.text).toBe('ipn:1.[10-13]');
    // A range of over 2^31 nodes scores 32, like the wildcard; '*' sorts before '['.
    expect(fibOf('ipn:1.[1-4294967295]', 'ipn:1.*').lookup('ipn:1.7')?.text).toBe('ipn:1.*');
    expect(fibOf('dtn://ab*.x', 'dtn://a*b.x').lookup('dtn://abb.x')?.text).toBe('dtn://a*b.x');
  });

  it('tries every label prefix length in use, whatever order the patterns came in', () => {
    const fib = fibOf('dtn://rover1*.example.org', 'dtn://r*.example.org', 'dtn://rover*1.example.org');
    expect(fib.lookup('dtn://ro.example.org')?.text).toBe('dtn://r*.example.org');
    expect(fib.lookup('dtn://rover11.example.org')?.text).toBe('dtn://rover*1.example.org');
    expect(fib.lookup('dtn://rover12.example.org')?.text).toBe('dtn://rover1*.example.org');
  });

  it('agrees with a brute-force search over random tables and EID texts, through inserts and deletes', () => {
    const op = fc.oneof(
      { weight: 3, arbitrary: anyPattern.map((p) => ({ set: p })) },
      { weight: 1, arbitrary: anyPattern.map((p) => ({ del: p })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(anyEidText, { minLength: 1, maxLength: 30 }), (ops, eids) => {
        const fib = new Fib<string>();
        const reference = new Map<string, EidPattern>();
        for (const o of ops) {
          if ('set' in o) {
            fib.set(o.set, formatPattern(o.set));
            reference.set(formatPattern(o.set), o.set);
          } else {
            expect(fib.delete(o.del)).toBe(reference.delete(formatPattern(o.del)));
          }
        }
        expect(fib.size).toBe(reference.size);
        expect(new Set([...fib.entries()].map((e) => e.text))).toEqual(new Set(reference.keys()));
        for (const text of eids) {
          const eid = parseEid(text);
          if (!eid.ok) throw new Error(eid.error.message);
          const hit = fib.lookup(text);
          expect(hit?.text).toBe(bruteForce(reference.values(), eid.value));
          if (hit) expect(hit.value).toBe(hit.text);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Fib maintenance', () => {
  it('replaces the value of a pattern already present without growing', () => {
    const fib = fibOf('ipn:1.[2-9]');
    fib.set(pattern('ipn:1.[2-9]'), 'new');
    expect(fib.size).toBe(1);
    expect(fib.get(pattern('ipn:1.[2-9]'))).toBe('new');
    expect(fib.lookup('ipn:1.5')?.value).toBe('new');
  });

  it('finds nothing after every pattern is deleted, and reports deleting an absent one', () => {
    const texts = ['ipn:*', 'ipn:3.4', 'ipn:3.*', 'ipn:3.[0-100]', 'dtn://*', 'dtn://a.b', 'dtn://a*.b'];
    const fib = fibOf(...texts);
    for (const text of texts) expect(fib.delete(pattern(text))).toBe(true);
    for (const text of texts) expect(fib.delete(pattern(text))).toBe(false);
    expect(fib.size).toBe(0);
    expect([...fib.entries()]).toEqual([]);
    for (const eid of ['ipn:3.4', 'ipn:3.50', 'dtn://a.b', 'dtn://ab.b']) expect(fib.lookup(eid)).toBeUndefined();
  });

  it('holds a range beside an overlapping one and removes each on its own', () => {
    const fib = fibOf('ipn:1.[0-1000]', 'ipn:1.[500-503]');
    expect(fib.lookup('ipn:1.501')?.text).toBe('ipn:1.[500-503]');
    fib.delete(pattern('ipn:1.[500-503]'));
    expect(fib.lookup('ipn:1.501')?.text).toBe('ipn:1.[0-1000]');
    expect(fib.lookup('ipn:1.1001')).toBeUndefined();
    expect(fibOf('ipn:1.[4294967294-4294967295]').lookup('ipn:1.4294967295')?.text).toBe('ipn:1.[4294967294-4294967295]');
  });
});
