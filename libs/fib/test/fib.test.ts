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

/**
 * The reference: every pattern tried, best by score, then an exact dtn name before a wildcard
 * (they tie under draft -01 when the '*' is filled with nothing; the name is nested in it), then
 * canonical text.
 */
function bruteForce(patterns: Iterable<EidPattern>, eid: Eid): string | undefined {
  let best: { text: string; score: number; name: number } | undefined;
  for (const p of patterns) {
    if (!matches(p, eid)) continue;
    const candidate = { text: formatPattern(p), score: specificityScore(p), name: p.scheme === 'dtn' && p.wildcardAt < 0 ? 1 : 0 };
    const wins =
      !best ||
      candidate.score > best.score ||
      (candidate.score === best.score && (candidate.name > best.name || (candidate.name === best.name && candidate.text < best.text)));
    if (wins) best = candidate;
  }
  return best?.text;
}

describe('Fib.lookup', () => {
  it.each([
    // [EID, expected winning pattern]
    ['ipn:100.5.7', 'ipn:100.5.7'],
    ['ipn:100.5.8', 'ipn:100.5.[0-63]'],
    ['ipn:100.5.64', 'ipn:100.5.*'],
    ['ipn:100.11.0', 'ipn:100.[10-13].*'],
    ['ipn:100.200.1', 'ipn:100.[0-255].*'],
    ['ipn:100.70000.1', 'ipn:100.*.*'],
    ['ipn:101.1.1', 'ipn:**'],
    // RFC 9758's two-part EIDs are allocator 0's.
    ['ipn:5.3', 'ipn:0.5.*'],
    ['IPN:6.3', 'ipn:**'],
    ['dtn://rover1.example.org/svc', 'dtn://rover1.example.org/svc'],
    ['dtn://Rover1.example.org/svc', 'dtn://rover1.example.org/svc'],
    ['dtn://rover1.example.org/Svc', 'dtn://rover1.example.org/**'],
    ['dtn://rover1.example.org/', 'dtn://rover1.example.org/**'],
    ['dtn://rover2.example.org/svc', 'dtn://rover*.example.org/**'],
    // A tie under -01's scores (18 each): the name, nested in the wildcard, is the more specific.
    ['dtn://rover.example.org/x', 'dtn://rover.example.org/**'],
    ['dtn://lander.example.org/', 'dtn://*.example.org/**'],
    ['dtn://lander.mars.example.org/', 'dtn:**'],
  ])('%s goes to %s', (eid, expected) => {
    const fib = fibOf(
      'ipn:100.5.7',
      'ipn:100.5.[0-63]',
      'ipn:100.5.*',
      'ipn:100.[10-13].*',
      'ipn:100.[0-255].*',
      'ipn:100.*.*',
      'ipn:0.5.*',
      'ipn:**',
      'dtn://rover1.example.org/svc',
      'dtn://rover1.example.org/**',
      'dtn://rover.example.org/**',
      'dtn://rover*.example.org/**',
      'dtn://*.example.org/**',
      'dtn:**',
    );
    expect(fib.lookup(eid)?.text).toBe(expected);
    // The FIB keeps the text, and gives the pattern parsed from it.
    expect(fib.lookup(eid)?.pattern).toEqual(pattern(expected));
  });

  it('reads -00 pattern texts as the -01 patterns they are', () => {
    const fib = fibOf('ipn:100.5', 'ipn:100.*', 'dtn://rover1.example.org', 'dtn://*');
    expect(fib.lookup('ipn:100.5.1')?.text).toBe('ipn:100.5.*');
    expect(fib.lookup('ipn:100.6.1')?.text).toBe('ipn:100.*.*');
    expect(fib.lookup('dtn://rover1.example.org/a')?.text).toBe('dtn://rover1.example.org/**');
    expect(fib.lookup('dtn://rover2.example.org/a')?.text).toBe('dtn:**');
  });

  it('answers undefined when nothing matches, or when the text is not an EID', () => {
    const fib = fibOf('ipn:1.*.*', 'dtn://*.example.org/**');
    expect(fib.lookup('ipn:2.1.1')).toBeUndefined();
    expect(fib.lookup('ipn:1.1')).toBeUndefined();
    expect(fib.lookup('dtn://example.org/')).toBeUndefined();
    expect(fib.lookup('ipn:1.*.*')).toBeUndefined();
  });

  it('breaks equal scores by canonical text, whatever the insertion order', () => {
    // Both score 62 and both hold node 12.
    const forward = fibOf('ipn:1.[10-13].*', 'ipn:1.[12-15].*');
    const backward = fibOf('ipn:1.[12-15].*', 'ipn:1.[10-13].*');
    expect(forward.lookup('ipn:1.12.0')?.text).toBe('ipn:1.[10-13].*');
    expect(backward.lookup('ipn:1.12.0')?.text).toBe('ipn:1.[10-13].*');
    // Service ranges alike.
    expect(fibOf('ipn:1.2.[12-15]', 'ipn:1.2.[10-13]').lookup('ipn:1.2.12')?.text).toBe('ipn:1.2.[10-13]');
    // A range of over 2^31 nodes scores 32, like the wildcard; '*' sorts before '['.
    expect(fibOf('ipn:1.[1-4294967295].*', 'ipn:1.*.*').lookup('ipn:1.7.0')?.text).toBe('ipn:1.*.*');
  });

  it('tries every label prefix length in use, whatever order the patterns came in', () => {
    const fib = fibOf('dtn://rover1*.example.org/**', 'dtn://r*.example.org/**', 'dtn://rove*.example.org/**');
    expect(fib.lookup('dtn://ro.example.org/')?.text).toBe('dtn://r*.example.org/**');
    expect(fib.lookup('dtn://rover2.example.org/')?.text).toBe('dtn://rove*.example.org/**');
    expect(fib.lookup('dtn://rover12.example.org/')?.text).toBe('dtn://rover1*.example.org/**');
  });

  it('agrees with a brute-force search over random tables and EID texts, through inserts and deletes', () => {
    const op = fc.oneof(
      { weight: 2, arbitrary: anyPattern.map((p) => ({ set: p })) },
      // By text, as a gateway gives its table's keys: an exact node's canonical text takes no parse.
      { weight: 1, arbitrary: anyPattern.map((p) => ({ setText: p })) },
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
          } else if ('setText' in o) {
            expect(fib.updateText(formatPattern(o.setText), () => formatPattern(o.setText))).toBe(true);
            reference.set(formatPattern(o.setText), o.setText);
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
    const fib = fibOf('ipn:1.[2-9].*', 'ipn:1.2.3', 'dtn://a.b/c');
    for (const text of ['ipn:1.[2-9].*', 'ipn:1.2.3', 'dtn://a.b/c']) fib.set(pattern(text), `new ${text}`);
    expect(fib.size).toBe(3);
    expect(fib.get(pattern('ipn:1.[2-9].*'))).toBe('new ipn:1.[2-9].*');
    expect(fib.lookup('ipn:1.5.0')?.value).toBe('new ipn:1.[2-9].*');
    expect(fib.lookup('ipn:1.2.3')?.value).toBe('new ipn:1.2.3');
    expect(fib.lookup('dtn://a.b/c')?.value).toBe('new dtn://a.b/c');
  });

  it('finds nothing after every pattern is deleted, and reports deleting an absent one', () => {
    const texts = ['ipn:**', 'ipn:3.4.*', 'ipn:3.4.5', 'ipn:3.4.[6-9]', 'ipn:3.*.*', 'ipn:3.[0-100].*', 'dtn:**', 'dtn://a.b/**', 'dtn://a.b/c', 'dtn://a*.b/**'];
    const fib = fibOf(...texts);
    for (const text of texts) expect(fib.delete(pattern(text))).toBe(true);
    for (const text of texts) expect(fib.delete(pattern(text))).toBe(false);
    expect(fib.size).toBe(0);
    expect([...fib.entries()]).toEqual([]);
    for (const eid of ['ipn:3.4.0', 'ipn:3.4.5', 'ipn:3.4.7', 'ipn:3.50.0', 'dtn://a.b/', 'dtn://a.b/c', 'dtn://ab.b/']) expect(fib.lookup(eid)).toBeUndefined();
  });

  it('takes a pattern by text: a -00 text as the -01 pattern it is, an exact node with no parse; false for a text that is no pattern', () => {
    const fib = new Fib<string>();
    expect(fib.updateText('ipn:100.1.*', () => 'node')).toBe(true);
    expect(fib.updateText('IPN:100.1.*', (was) => `${was}, again`)).toBe(true);
    expect(fib.updateText('ipn:100.2', () => 'node, -00 text')).toBe(true);
    expect(fib.updateText('ipn:100.[1-9].*', () => 'range')).toBe(true);
    for (const text of ['ipn:100.1.x', 'ipn:100.01.*', '']) expect(fib.updateText(text, () => 'none')).toBe(false);
    expect([...fib.entries()].map((e) => [e.text, e.score, e.value]).sort()).toEqual([
      ['ipn:100.1.*', 64, 'node, again'],
      ['ipn:100.2.*', 64, 'node, -00 text'],
      ['ipn:100.[1-9].*', 60, 'range'],
    ]);
    expect(fib.lookup('ipn:100.1.7')?.value).toBe('node, again');
    fib.updateText('ipn:100.1.*', () => undefined);
    expect(fib.lookup('ipn:100.1.7')?.value).toBe('range');
    expect(fib.size).toBe(2);
  });

  it('holds a range beside an overlapping one and removes each on its own', () => {
    const fib = fibOf('ipn:1.[0-1000].*', 'ipn:1.[500-503].*');
    expect(fib.lookup('ipn:1.501.0')?.text).toBe('ipn:1.[500-503].*');
    fib.delete(pattern('ipn:1.[500-503].*'));
    expect(fib.lookup('ipn:1.501.0')?.text).toBe('ipn:1.[0-1000].*');
    expect(fib.lookup('ipn:1.1001.0')).toBeUndefined();
    expect(fibOf('ipn:1.[4294967294-4294967295].*').lookup('ipn:1.4294967295.0')?.text).toBe('ipn:1.[4294967294-4294967295].*');
  });
});
