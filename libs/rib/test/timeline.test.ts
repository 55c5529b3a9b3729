import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestRoute, inWindow, intervalAt, LocRib, timelineOf, type LocRibChange, type RibRoute } from '#libs/rib';
import { history } from './history.ts';
import { advertised, ribRoute, updateEvent } from './routes.ts';

const route = (neighbor: string, hops: number, validFrom?: number, validUntil?: number, receivedSeq = 1): RibRoute =>
  ribRoute(neighbor, 'ipn:7.*', { adPath: [neighbor, ...Array.from({ length: hops - 1 }, (_, h) => `h${h}.org`)], validFrom, validUntil, receivedSeq });
const byStart = (routes: RibRoute[]) => [...routes].sort((a, b) => (a.validFrom ?? -Infinity) - (b.validFrom ?? -Infinity));
const spans = (routes: RibRoute[], now = -Infinity) => timelineOf(byStart(routes), now).map((i) => [i.from, i.until, i.winner.neighbor]);

describe('timelineOf: the best route as a function of time (§4.4, §6.5)', () => {
  it('splits overlapping windows where the winner changes', () => {
    // A from 10 to 30 over two hops, D from 20 to 40 over one: D wins wherever it is valid.
    expect(spans([route('a', 2, 10, 30), route('d', 1, 20, 40)])).toEqual([[10, 20, 'a'], [20, 40, 'd']]);
    // The other way round the longer path only fills what the shorter leaves.
    expect(spans([route('a', 1, 10, 30), route('d', 2, 20, 40)])).toEqual([[10, 30, 'a'], [30, 40, 'd']]);
  });

  it('keeps windows that touch apart, and a nested window cuts the one around it in three', () => {
    expect(spans([route('a', 1, 10, 20), route('b', 1, 20, 30)])).toEqual([[10, 20, 'a'], [20, 30, 'b']]);
    expect(spans([route('long', 2, 0, 100), route('pass', 1, 40, 50)])).toEqual([[0, 40, 'long'], [40, 50, 'pass'], [50, 100, 'long']]);
    // A route that loses inside its whole window leaves no mark: the winner's interval is not cut at its edges.
    expect(spans([route('long', 1, 0, 100), route('pass', 2, 40, 50)])).toEqual([[0, 100, 'long']]);
  });

  it('gives a route without a window the time the scheduled ones leave, unbounded', () => {
    expect(spans([route('u', 3), route('s', 2, 10, 20)])).toEqual([[-Infinity, 10, 'u'], [10, 20, 's'], [20, Infinity, 'u']]);
    // Gaps stay gaps.
    expect(spans([route('a', 1, 10, 20), route('b', 1, 30, 40)])).toEqual([[10, 20, 'a'], [30, 40, 'b']]);
  });

  it('leaves out what has ended by now, and keeps the start of the interval under way', () => {
    expect(spans([route('u', 3), route('s', 2, 10, 20)], 15)).toEqual([[10, 20, 's'], [20, Infinity, 'u']]);
    expect(spans([route('u', 3), route('s', 2, 10, 20)], 20)).toEqual([[20, Infinity, 'u']]);
  });

  const routeSets = fc.array(
    fc.record({ n: fc.integer({ min: 0, max: 3 }), hops: fc.integer({ min: 1, max: 3 }), origin: fc.integer({ min: 0, max: 1 }), metric: fc.integer({ min: 0, max: 2 }), from: fc.option(fc.integer({ min: 0, max: 20 })), len: fc.integer({ min: 1, max: 8 }), seq: fc.integer({ min: 1, max: 5 }) }),
    { maxLength: 12 },
  ).map((specs) =>
    specs.map((s, i) =>
      ribRoute(`n${s.n}.org`, 'ipn:7.*', {
        adPath: [`n${s.n}.org`, ...Array.from({ length: s.hops - 1 }, () => `o${s.origin}.org`)],
        metric: s.metric,
        validFrom: s.from === null ? undefined : s.from,
        validUntil: s.from === null ? undefined : s.from + s.len,
        receivedSeq: s.seq,
        index: i,
      }),
    ),
  );

  it('is, at every instant, §4.4 applied to the routes valid then; its intervals are in order, disjoint and maximal', () => {
    fc.assert(
      fc.property(routeSets, fc.array(fc.integer({ min: -2, max: 32 }), { minLength: 1, maxLength: 20 }), (routes, instants) => {
        const timeline = timelineOf(byStart(routes), -Infinity);
        for (const t of [...instants, ...routes.flatMap((r) => [r.validFrom ?? 0, r.validUntil ?? 0])]) {
          expect(intervalAt(timeline, t)?.winner).toBe(bestRoute(routes.filter((r) => inWindow(r, t))));
        }
        for (let i = 1; i < timeline.length; i++) {
          expect(timeline[i]!.from).toBeGreaterThanOrEqual(timeline[i - 1]!.until);
          if (timeline[i]!.from === timeline[i - 1]!.until) expect(timeline[i]!.winner).not.toBe(timeline[i - 1]!.winner);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('made again from where routes changed, gives what a sweep of all the routes gives', () => {
    fc.assert(
      fc.property(routeSets, routeSets, fc.integer({ min: -2, max: 25 }), fc.integer({ min: 0, max: 6 }), (kept, changed, now, later) => {
        // `previous` over the kept routes at `now`; then the changed routes come (or go) and the clock may move on.
        const all = byStart([...kept, ...changed.map((r, i) => ({ ...r, index: 100 + i }))]);
        const changedFrom = Math.min(...changed.map((r) => r.validFrom ?? -Infinity));
        for (const [before, after] of [[byStart(kept), all], [all, byStart(kept)]] as const) {
          const previous = timelineOf(before, now);
          expect(timelineOf(after, now, previous, changedFrom)).toEqual(timelineOf(after, now));
          expect(timelineOf(before, now + later, previous, Infinity)).toEqual(timelineOf(before, now + later));
        }
      }),
      { numRuns: 3_000 },
    );
  });
});

/** The change stream folded as every consumer folds it: by pattern and interval start. */
function fold(changes: readonly LocRibChange[]): Map<string, string> {
  const held = new Map<string, string>();
  for (const c of changes) {
    if (c.previous) held.delete(`${c.pattern} ${c.previous.validFrom}`);
    if (c.best) held.set(`${c.pattern} ${c.best.validFrom}`, `${c.best.validUntil} ${c.best.neighbor} ${c.best.receivedSeq}.${c.best.index}`);
  }
  return held;
}

describe('LocRib timelines', () => {
  it('answers, at any instant from its clock on, what §4.4 picks among the routes valid then; its change stream folds to its timelines', () => {
    fc.assert(
      fc.property(history, fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 1, maxLength: 10 }), (events, offsets) => {
        const rib = new LocRib('us.example.org');
        const changes = events.flatMap((e) => rib.apply(e));
        for (const pattern of ['ipn:0.*', 'ipn:1.*', 'ipn:2.*', 'ipn:3.*', 'ipn:4.*']) {
          for (const t of offsets.map((o) => rib.now + o)) {
            const interval = rib.timeline(pattern).find((i) => (i.from ?? -Infinity) <= t && t < (i.until ?? Infinity));
            const winner = rib.explain(pattern, t).ranked[0]?.route;
            expect(interval && [interval.route.receivedSeq, interval.route.index, interval.route.neighbor]).toEqual(winner && [winner.receivedSeq, winner.index, winner.neighbor]);
          }
        }
        const timelines = new Map(rib.patterns().flatMap((p) => rib.timeline(p).map((i) => [`${p} ${i.from}`, `${i.until} ${i.route.neighbor} ${i.route.receivedSeq}.${i.route.index}`] as const)));
        expect(fold(changes)).toEqual(timelines);
        // A consumer that never had the Loc-RIB gets it whole from a resync.
        expect(fold(rib.resync())).toEqual(timelines);
      }),
      { numRuns: 1_000 },
    );
  });

  it('changes the "now" view once at each edge of two overlapping windows, and sends nothing when a window opens', () => {
    const rib = new LocRib('us.example.org');
    rib.apply({ type: 'clock', seq: 1, now: 1_000 });
    const known = [
      ...rib.apply(updateEvent(2, 'a.org', [], [advertised('a.org', 'ipn:7.*', { adPath: ['a.org', 'x.org'], validFrom: 10_000, validUntil: 30_000 })])),
      ...rib.apply(updateEvent(3, 'd.org', [], [advertised('d.org', 'ipn:7.*', { validFrom: 20_000, validUntil: 40_000 })])),
    ];
    // A's window is clipped where D's better one begins: one interval each, each known at once.
    expect(known.map((c) => [c.best?.neighbor, c.best?.validFrom, c.best?.validUntil, c.previous?.validUntil])).toEqual([['a.org', 10_000, 30_000, undefined], ['a.org', 10_000, 20_000, 30_000], ['d.org', 20_000, 40_000, undefined]]);
    const nowView: (string | undefined)[] = [];
    const edges: (readonly LocRibChange[])[] = [];
    let seq = 3;
    for (let edge = rib.nextEdge(); edge !== undefined; edge = rib.nextEdge()) {
      edges.push(rib.apply({ type: 'clock', seq: ++seq, now: edge }));
      nowView.push(rib.best('ipn:7.*')?.neighbor);
    }
    // Edges at 10 s (A opens), 20 s (D takes over; A's interval is over), 30 s (A's own window ends: nothing to say), 40 s (D ends).
    expect(nowView).toEqual(['a.org', 'd.org', 'd.org', undefined]);
    expect(edges.map((e) => e.map((c) => [c.best?.neighbor, c.previous?.neighbor, c.previous?.validFrom]))).toEqual([[], [[undefined, 'a.org', 10_000]], [], [[undefined, 'd.org', 20_000]]]);
    expect(rib.snapshot().routes).toEqual([]);
  });

  it('keeps the name of an unscheduled route\'s interval after a scheduled pass over it ends', () => {
    const rib = new LocRib('us.example.org');
    rib.apply({ type: 'clock', seq: 1, now: 1_000 });
    rib.apply(updateEvent(2, 'u.org', [], [advertised('u.org', 'ipn:7.*', { adPath: ['u.org', 'x.org', 'y.org'] })]));
    rib.apply(updateEvent(3, 's.org', [], [advertised('s.org', 'ipn:7.*', { validFrom: 10_000, validUntil: 20_000 })]));
    expect(rib.timeline('ipn:7.*').map((i) => [i.from, i.until, i.route.neighbor])).toEqual([[undefined, 10_000, 'u.org'], [10_000, 20_000, 's.org'], [20_000, undefined, 'u.org']]);
    // At 20 s the pass ends: its interval goes, and U's interval from 20 s keeps its name (a peer holds it by that valid_from).
    expect(rib.apply({ type: 'clock', seq: 4, now: 10_000 }).map((c) => [c.previous?.neighbor, c.previous?.validFrom])).toEqual([['u.org', undefined]]);
    expect(rib.apply({ type: 'clock', seq: 5, now: 20_000 }).map((c) => [c.best?.neighbor, c.previous?.neighbor, c.previous?.validFrom])).toEqual([[undefined, 's.org', 10_000]]);
    expect(rib.timeline('ipn:7.*').map((i) => [i.from, i.until, i.route.neighbor])).toEqual([[20_000, undefined, 'u.org']]);
    // A restore from the checkpoint sees the same.
    expect(LocRib.restore(JSON.parse(JSON.stringify(rib.snapshot()))).timeline('ipn:7.*')).toEqual(rib.timeline('ipn:7.*'));
    // The next pass's end is the next name: the pass before is let go then.
    rib.apply(updateEvent(6, 's.org', [], [advertised('s.org', 'ipn:7.*', { validFrom: 30_000, validUntil: 40_000 })]));
    rib.apply({ type: 'clock', seq: 7, now: 30_000 });
    expect(rib.explain('ipn:7.*').unusable).toEqual([]);
    expect(rib.snapshot().routes.length).toBe(2);
  });
});
