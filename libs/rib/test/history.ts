import fc from 'fast-check';
import type { LocRib, LocRibChange, RibEvent } from '#libs/rib';
import { advertised, updateEvent } from './routes.ts';

const US = 'us.example.org';

const session = (n: number | null) => (n === null ? {} : { session: `s${n}` });

/** Random event histories over a few neighbors, patterns, sessions and times, with their sequence numbers. */
const historyOf = (size: fc.SizeForArbitrary) =>
  fc
  .array(
    fc.oneof(
      fc.record({ kind: fc.constant('announce'), n: fc.integer({ min: 0, max: 3 }), p: fc.integer({ min: 0, max: 3 }), hops: fc.integer({ min: 0, max: 2 }), metric: fc.integer({ min: 0, max: 2 }), origin: fc.integer({ min: 0, max: 1 }), from: fc.option(fc.integer({ min: 0, max: 10 })), len: fc.integer({ min: 1, max: 5 }), loop: fc.boolean(), twin: fc.boolean(), session: fc.option(fc.integer({ min: 0, max: 2 })) }),
      fc.record({ kind: fc.constant('withdraw'), n: fc.integer({ min: 0, max: 3 }), p: fc.integer({ min: 0, max: 3 }), from: fc.option(fc.integer({ min: 0, max: 10 })), session: fc.option(fc.integer({ min: 0, max: 2 })) }),
      // Sessions s0–s2 of each neighbor: a down may name an older session than the current one (logged late), or none.
      fc.record({ kind: fc.constant('down'), n: fc.integer({ min: 0, max: 3 }), stale: fc.option(fc.integer({ min: 1, max: 6 })), session: fc.option(fc.integer({ min: 0, max: 2 })) }),
      fc.record({ kind: fc.constant('up'), n: fc.integer({ min: 0, max: 3 }), stale: fc.option(fc.integer({ min: 1, max: 6 })), session: fc.integer({ min: 0, max: 2 }), since: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant('clock'), step: fc.integer({ min: 0, max: 4 }) }),
    ),
    { maxLength: 60, size },
  )
  .map((specs) => {
    let now = 0;
    return specs.map((s, i): RibEvent => {
      const seq = i + 1;
      const neighbor = `n${('n' in s ? s.n : 0)}.org`;
      switch (s.kind) {
        case 'announce': {
          const validFrom = s.from ?? undefined;
          const adPath = [neighbor, ...Array.from({ length: s.hops }, (_, h) => `h${h}.org`), ...(s.loop ? [US] : []), `o${s.origin}.org`];
          const window = validFrom === undefined ? {} : { validFrom: validFrom * 1000, validUntil: (validFrom + s.len) * 1000 };
          // A twin is a second route for the pattern in the same event (one scheduled, one not): they share the age.
          const twin = s.twin ? [advertised(neighbor, `ipn:${s.p}.*`, { adPath, metric: s.metric, ...(validFrom === undefined ? { validFrom: 1000, validUntil: 9000 } : {}) })] : [];
          return { ...updateEvent(seq, neighbor, [], [advertised(neighbor, [`ipn:${s.p}.*`, `ipn:${s.p + 4}.*`], { adPath, metric: s.metric, ...window }), ...twin]), ...session(s.session) };
        }
        case 'withdraw':
          return { ...updateEvent(seq, neighbor, [{ pattern: `ipn:${s.p}.*`, validFrom: s.from === null ? undefined : s.from * 1000 }], []), ...session(s.session) };
        case 'down':
          return { type: 'neighbor-down', seq, neighbor, staleUntil: s.stale === null ? undefined : now + s.stale * 1000, ...session(s.session) };
        case 'up':
          return { type: 'neighbor-up', seq, neighbor, peerAd: neighbor, staleUntil: s.stale === null ? undefined : now + s.stale * 1000, session: `s${s.session}`, since: s.since };
        default:
          return { type: 'clock', seq, now: (now += s.step * 1000) };
      }
    });
  });


/** Up to about 10 events (fast-check's small size). */
export const history = historyOf('small');
/** Up to 60 events. */
export const longHistory = historyOf('max');

/** A Loc-RIB and a change stream reduced to what two runs must agree on. */
export const view = (rib: LocRib) => [
  ...[...rib.entries()].map(([pattern, r]) => [pattern, r.neighbor, r.receivedSeq, r.validFrom]),
  ...rib.patterns().flatMap((pattern) => rib.timeline(pattern).map((i) => [pattern, i.from, i.until, i.route.neighbor, i.route.receivedSeq, i.route.index])),
];
export const stream = (changes: readonly LocRibChange[]) =>
  changes.map((c) => [c.pattern, c.best?.receivedSeq, c.best?.validFrom, c.best?.validUntil, c.previous?.receivedSeq, c.previous?.validFrom, c.previous?.validUntil, c.causeSeq, c.at]);
