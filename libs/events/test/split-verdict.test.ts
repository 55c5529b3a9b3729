import fc from 'fast-check';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { decodeRibInput, encodeRibInput, splitVerdict } from '#libs/events';
import { LocRib, type RibEvent } from '#libs/rib';
import { advertised, updateEvent } from '../../rib/test/routes.ts';

const US = 'us.example.org';

describe('splitVerdict', () => {
  it('leaves a verdict that fits whole', () => {
    const event = updateEvent(1, 'a.org', [], [advertised('a.org', ['ipn:1.*.*', 'ipn:2.*.*'])]);
    expect(splitVerdict(event, 10_000)).toEqual([encodeRibInput(event)]);
  });

  it('splits one that does not into parts that fit and, applied in order, give the Loc-RIB the whole gives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 300, max: 2_000 }), (announced, withdrawn, maxBytes) => {
        const before = updateEvent(1, 'a.org', [], [advertised('a.org', Array.from({ length: 40 }, (_, i) => `ipn:${i}.*.*`))]);
        const patterns = Array.from({ length: announced }, (_, i) => `ipn:${i + 20}.*.*`);
        const event: RibEvent = {
          ...updateEvent(2, 'a.org', Array.from({ length: withdrawn }, (_, i) => ({ pattern: `ipn:${i}.*.*` })), [advertised('a.org', patterns, { metric: 3 }), advertised('a.org', 'dtn://rover.example.org/**', { metric: 1 })]),
          rejected: [{ pattern: 'ipn:999.*.*', rule: 'test', reason: 'refused' }],
        };
        const parts = splitVerdict(event, maxBytes);
        for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(maxBytes);

        const whole = new LocRib(US);
        whole.apply(before);
        whole.apply(event);
        const split = new LocRib(US);
        split.apply(before);
        parts.forEach((text, i) => split.apply(Result.getOrThrow(decodeRibInput(text, 2 + i))));
        const view = (rib: LocRib) => [...rib.entries()].map(([pattern, r]) => [pattern, r.metric]);
        expect(view(split)).toEqual(view(whole));
        const rejected = parts.flatMap((text) => {
          const e = Result.getOrThrow(decodeRibInput(text, 0));
          return e.type === 'update' ? e.rejected : [];
        });
        expect(rejected).toEqual(event.type === 'update' ? event.rejected : []);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a single route that cannot fit, rather than cutting it', () => {
    const event = updateEvent(1, 'a.org', [], [advertised('a.org', 'ipn:1.*.*', { adPath: Array.from({ length: 50 }, (_, i) => `hop${i}.example.org`) })]);
    expect(() => splitVerdict(event, 200)).toThrow(/over the 200 a log message can hold/);
  });
});
