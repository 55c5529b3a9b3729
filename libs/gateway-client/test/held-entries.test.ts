import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FibEntry } from '#libs/fib-export';
import { inWindow } from '#libs/rib';
import { entriesOf, entryAt, entryCount, replaced, type HeldEntries } from '../src/held-entries.ts';

/** An entry of `ipn:1.*.*` in the window [from, from + 10) (from undefined: from always, until ever). */
const entryIn = (from: number | undefined, causeSeq: number): FibEntry => ({
  pattern: 'ipn:1.*.*',
  nextHop: 'dtn://a.example.test/',
  peerAd: 'a.example.test',
  adPath: ['a.example.test'],
  causeSeq,
  validFrom: from,
  validUntil: from === undefined ? undefined : from + 10,
  bandwidthBps: undefined,
  maxBundleSize: undefined,
});

/** Window starts of intervals that never overlap: unbounded, or one of a few 10-wide slots. */
const start = fc.option(fc.constantFrom(0, 10, 20, 30), { nil: undefined });

describe("a gateway's entries of one pattern (held-entries.ts)", () => {
  it('hold what a list of entries by window start holds, whatever puts and removals came, as the entry itself when there is one', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(start, fc.boolean()), { maxLength: 30 }), fc.integer({ min: -5, max: 45 }), (changes, at) => {
        let held: HeldEntries | undefined;
        const model = new Map<number | undefined, FibEntry>();
        changes.forEach(([from, put], i) => {
          const entry = put ? entryIn(from, i) : undefined;
          held = replaced(held, from, entry);
          if (entry) model.set(from, entry);
          else model.delete(from);
        });
        // An unbounded interval is never beside a bounded one in a real timeline; the model still orders them as the RIB does (unbounded first).
        const wanted = [...model.values()].sort((a, b) => (a.validFrom ?? -Infinity) - (b.validFrom ?? -Infinity));
        expect(entriesOf(held)).toEqual(wanted);
        expect(entryCount(held)).toBe(wanted.length);
        if (wanted.length === 1) expect(held).toBe(wanted[0]);
        if (held !== undefined) expect(entryAt(held, at)).toBe(wanted.find((e) => inWindow(e, at)));
      }),
    );
  });
});
