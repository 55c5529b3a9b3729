import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocRib, type AcceptedAdvertisement, type RibAdvertisement, type RibEvent } from '#libs/rib';
import { longHistory, stream, view } from './history.ts';
import { advertised, updateEvent } from './routes.ts';

const US = 'us.example.org';
let seq = 0;
const next = () => ++seq;

const update = (neighbor: string, withdrawn: { pattern: string; validFrom?: number }[], accepted: AcceptedAdvertisement[]): RibEvent => updateEvent(next(), neighbor, withdrawn, accepted);
const announce = (neighbor: string, pattern: string, over: Partial<AcceptedAdvertisement> = {}): RibEvent => update(neighbor, [], [advertised(neighbor, pattern, over)]);
const withdraw = (neighbor: string, pattern: string, validFrom?: number): RibEvent => update(neighbor, [{ pattern, ...(validFrom === undefined ? {} : { validFrom }) }], []);
const clock = (now: number): RibEvent => ({ type: 'clock', seq: next(), now });
const down = (neighbor: string, staleUntil?: number): RibEvent => ({ type: 'neighbor-down', seq: next(), neighbor, staleUntil });

const run = (rib: LocRib, events: RibEvent[]) => events.flatMap((e) => rib.apply(e));
const bestOf = (rib: LocRib, pattern: string) => rib.best(pattern)?.neighbor;

describe('LocRib', () => {
  it('changes the best route when a better one arrives and when the best is withdrawn, and explains why', () => {
    const rib = new LocRib(US);
    const changes = run(rib, [announce('a.org', 'ipn:100.*', { adPath: ['a.org', 'x.org'] }), announce('b.org', 'ipn:100.*')]);
    expect(changes.map((c) => [c.pattern, c.previous?.neighbor, c.best?.neighbor])).toEqual([['ipn:100.*', undefined, 'a.org'], ['ipn:100.*', 'a.org', 'b.org']]);
    expect(rib.explain('ipn:100.*').ranked.map((r) => [r.route.neighbor, r.step])).toEqual([['b.org', undefined], ['a.org', 'ad-path-length']]);
    expect(run(rib, [withdraw('b.org', 'ipn:100.*')]).map((c) => c.best?.neighbor)).toEqual(['a.org']);
  });

  it('has a scheduled route in its timeline from the moment it is known, and lets it go when its window ends (§6.5)', () => {
    const rib = new LocRib(US);
    run(rib, [clock(1_000)]);
    // Known at once, with its window: the change stream carries it long before it opens.
    expect(run(rib, [announce('a.org', 'ipn:7.*', { validFrom: 5_000, validUntil: 9_000 })])).toMatchObject([{ pattern: 'ipn:7.*', best: { neighbor: 'a.org', validFrom: 5_000, validUntil: 9_000 }, previous: undefined, at: 1_000 }]);
    expect(rib.timeline('ipn:7.*')).toMatchObject([{ from: 5_000, until: 9_000, route: { neighbor: 'a.org' } }]);
    expect(rib.best('ipn:7.*')).toBeUndefined();
    expect(rib.size).toBe(0);
    expect(rib.nextEdge()).toBe(5_000);
    expect(rib.explain('ipn:7.*').unusable.map((u) => u.why)).toEqual(['not yet valid']);
    expect(rib.explain('ipn:7.*', 6_000).ranked.map((r) => r.route.neighbor)).toEqual(['a.org']);
    // Opening is no change: every consumer has held the interval since it was known.
    expect(run(rib, [clock(5_000)])).toEqual([]);
    expect(bestOf(rib, 'ipn:7.*')).toBe('a.org');
    expect(rib.size).toBe(1);
    expect(rib.nextEdge()).toBe(9_000);
    expect(run(rib, [clock(9_000)])).toMatchObject([{ pattern: 'ipn:7.*', best: undefined, previous: { validFrom: 5_000 }, at: 9_000 }]);
    // Ended, it is gone: it cannot come back, and it would only hold memory and checkpoint rows.
    expect(rib.explain('ipn:7.*')).toEqual({ ranked: [], unusable: [] });
    expect(rib.timeline('ipn:7.*')).toEqual([]);
    expect(rib.snapshot().routes).toEqual([]);
    expect(rib.size).toBe(0);
    expect(rib.nextEdge()).toBeUndefined();
    // A window that ended before it arrived is not held at all.
    expect(run(rib, [announce('a.org', 'ipn:8.*', { validFrom: 1_000, validUntil: 2_000 })])).toEqual([]);
    expect(rib.snapshot().routes).toEqual([]);
  });

  it('withdraws one scheduled window by its valid_from and leaves the others (§6.6)', () => {
    const rib = new LocRib(US);
    const announced = run(rib, [announce('a.org', 'ipn:7.*', { validFrom: 1_000, validUntil: 2_000 }), announce('a.org', 'ipn:7.*', { validFrom: 3_000, validUntil: 4_000 })]);
    expect(announced.map((c) => c.best?.validFrom)).toEqual([1_000, 3_000]);
    expect(run(rib, [withdraw('a.org', 'ipn:7.*', 1_000)])).toMatchObject([{ best: undefined, previous: { validFrom: 1_000 } }]);
    expect(run(rib, [clock(1_500)])).toEqual([]);
    expect(run(rib, [clock(3_500)])).toEqual([]);
    expect(rib.best('ipn:7.*')?.validFrom).toBe(3_000);
  });

  it('ignores a withdrawal of a route it does not hold (§6.6)', () => {
    const rib = new LocRib(US);
    run(rib, [announce('a.org', 'ipn:7.*')]);
    expect(run(rib, [withdraw('a.org', 'ipn:8.*'), withdraw('b.org', 'ipn:7.*'), withdraw('a.org', 'ipn:7.*', 123)])).toEqual([]);
    expect(bestOf(rib, 'ipn:7.*')).toBe('a.org');
  });

  it('discards and counts a route whose AD_PATH holds our AD; a looped re-announcement withdraws the route (§5.3)', () => {
    const rib = new LocRib(US);
    expect(run(rib, [announce('a.org', 'ipn:7.*', { adPath: ['a.org', US, 'x.org'] })])).toEqual([]);
    expect(rib.loopsDropped).toBe(1);
    run(rib, [announce('a.org', 'ipn:8.*')]);
    expect(run(rib, [announce('a.org', 'ipn:8.*', { adPath: ['a.org', US] })]).map((c) => c.best)).toEqual([undefined]);
    expect(rib.loopsDropped).toBe(2);
  });

  it('drops a neighbor\'s routes when its session ends, or keeps them stale until the restart time', () => {
    const rib = new LocRib(US);
    run(rib, [clock(0), announce('a.org', 'ipn:1.*'), announce('a.org', 'ipn:2.*'), announce('b.org', 'ipn:3.*')]);
    expect(run(rib, [down('b.org')]).map((c) => [c.pattern, c.best])).toEqual([['ipn:3.*', undefined]]);
    expect(run(rib, [down('a.org', 60_000)])).toEqual([]);
    // Back within the restart time, it announces ipn:1.* again; ipn:2.* stays stale.
    run(rib, [{ type: 'neighbor-up', seq: next(), neighbor: 'a.org', peerAd: 'a.org', staleUntil: undefined }, announce('a.org', 'ipn:1.*')]);
    expect(rib.nextEdge()).toBe(60_000);
    expect(run(rib, [clock(60_000)]).map((c) => [c.pattern, c.best?.neighbor])).toEqual([['ipn:2.*', undefined]]);
    expect(bestOf(rib, 'ipn:1.*')).toBe('a.org');
  });

  it('tells a session loss in pattern order whatever order the routes came in, windows and backup routes included', () => {
    const rib = new LocRib(US);
    run(rib, [clock(0), announce('a.org', 'ipn:9.*'), announce('b.org', 'ipn:5.*'), announce('a.org', 'ipn:5.*', { metric: 1 }), announce('a.org', 'ipn:1.*', { validFrom: 10_000, validUntil: 20_000 }), announce('a.org', 'ipn:1.*'), announce('a.org', 'ipn:3.*')]);
    const changes = run(rib, [down('a.org')]);
    expect(changes.map((c) => [c.pattern, c.previous?.validFrom, c.best?.neighbor])).toEqual([
      ['ipn:1.*', undefined, undefined],
      ['ipn:1.*', 10_000, undefined],
      // The interval after the window: the unscheduled route, clipped to it.
      ['ipn:1.*', 20_000, undefined],
      ['ipn:3.*', undefined, undefined],
      ['ipn:9.*', undefined, undefined],
    ]);
    // b.org's route was already the best of ipn:5.*: a loss behind it changes nothing.
    expect(bestOf(rib, 'ipn:5.*')).toBe('b.org');
    expect(rib.size).toBe(1);
  });

  it('ends at a session-up the neighbor\'s earlier session whose end was never logged, as a lost transport', () => {
    const rib = new LocRib(US);
    run(rib, [clock(0), announce('a.org', 'ipn:1.*'), announce('a.org', 'ipn:2.*'), announce('b.org', 'ipn:3.*')]);
    // Its session service was killed with the withdrawal of ipn:2.* in flight; the new session sends only ipn:1.* again.
    expect(run(rib, [{ type: 'neighbor-up', seq: next(), neighbor: 'a.org', peerAd: 'a.org', staleUntil: 60_000 }, announce('a.org', 'ipn:1.*')]).map((c) => c.pattern)).toEqual(['ipn:1.*']);
    expect(rib.nextEdge()).toBe(60_000);
    expect(run(rib, [clock(60_000)]).map((c) => [c.pattern, c.best?.neighbor])).toEqual([['ipn:2.*', undefined]]);
    expect([bestOf(rib, 'ipn:1.*'), bestOf(rib, 'ipn:3.*')]).toEqual(['a.org', 'b.org']);
    // Without a restart time they go at once.
    run(rib, [announce('a.org', 'ipn:2.*')]);
    expect(run(rib, [{ type: 'neighbor-up', seq: next(), neighbor: 'a.org', peerAd: 'a.org', staleUntil: undefined }]).map((c) => [c.pattern, c.best])).toEqual([
      ['ipn:1.*', undefined],
      ['ipn:2.*', undefined],
    ]);
    // After an end that was logged, a session-up has nothing left to end: no second mark, no clock edge.
    run(rib, [announce('a.org', 'ipn:4.*'), down('a.org', 90_000), { type: 'neighbor-up', seq: next(), neighbor: 'a.org', peerAd: 'a.org', staleUntil: 120_000 }]);
    expect(rib.snapshot().stale).toEqual([['a.org', 90_000, expect.any(Number)]]);
  });

  it('takes the end of an older session, logged after a newer one came up, for the nothing it is', () => {
    const rib = new LocRib(US);
    const up = (session: string, staleUntil?: number, since = 0): RibEvent => ({ type: 'neighbor-up', seq: next(), neighbor: 'a.org', peerAd: 'a.org', staleUntil, session, since });
    const inSession = (session: string, event: RibEvent): RibEvent => (event.type === 'update' ? { ...event, session } : event);
    const down = (session: string, staleUntil?: number): RibEvent => ({ type: 'neighbor-down', seq: next(), neighbor: 'a.org', staleUntil, session });
    run(rib, [clock(0), up('s1'), announce('a.org', 'ipn:1.*'), up('s2', 60_000), announce('a.org', 'ipn:1.*'), announce('a.org', 'ipn:2.*')]);
    // s1's end, from a liveness watch or its hold timer, lands after s2 came up: s2's routes stay.
    expect(run(rib, [down('s1', 90_000)])).toEqual([]);
    expect(run(rib, [clock(90_000)])).toEqual([]);
    expect([bestOf(rib, 'ipn:1.*'), bestOf(rib, 'ipn:2.*')]).toEqual(['a.org', 'a.org']);
    // Its late updates and a late copy of its up (it came up before s2) change nothing either; s2's up again ends nothing.
    expect(run(rib, [inSession('s1', announce('a.org', 'ipn:3.*')), up('s1', undefined, -1)])).toEqual([]);
    expect(run(rib, [up('s2', 1)])).toEqual([]);
    expect(bestOf(rib, 'ipn:3.*')).toBeUndefined();
    // The current session's end still counts, and survives a checkpoint.
    const restored = LocRib.restore(rib.snapshot());
    expect(run(restored, [down('s1')])).toEqual([]);
    expect(run(restored, [down('s2')]).map((c) => [c.pattern, c.best])).toEqual([
      ['ipn:1.*', undefined],
      ['ipn:2.*', undefined],
    ]);
    // After s2's end, s2 stays the last: s1's end landing later still changes nothing.
    const after = new LocRib(US);
    run(after, [clock(0), up('s1'), up('s2'), announce('a.org', 'ipn:1.*'), down('s2', 60_000)]);
    expect(run(after, [down('s1')])).toEqual([]);
    expect(bestOf(after, 'ipn:1.*')).toBe('a.org');
  });

  it('applies an update\'s withdrawals before its announcements, and every pattern of it under one sequence', () => {
    const rib = new LocRib(US);
    run(rib, [announce('a.org', 'ipn:1.*')]);
    const both = update('a.org', [{ pattern: 'ipn:1.*' }], [advertised('a.org', 'ipn:1.*', { metric: 5 }), advertised('a.org', 'ipn:2.*')]);
    expect(run(rib, [both]).map((c) => [c.pattern, c.best?.metric])).toEqual([['ipn:1.*', 5], ['ipn:2.*', 0]]);
    expect(rib.best('ipn:2.*')?.receivedSeq).toBe(rib.best('ipn:1.*')?.receivedSeq);
  });

  it('ranks routes of one event by a total order, so a restore in another order picks the same best', () => {
    const rib = new LocRib(US);
    run(rib, [clock(5_000)]);
    const both = update('a.org', [], [advertised('a.org', 'ipn:1.*', { validFrom: 1_000 }), advertised('a.org', 'ipn:1.*')]);
    run(rib, [both]);
    const snapshot = rib.snapshot();
    const reversed = LocRib.restore({ ...snapshot, routes: [...snapshot.routes].reverse() });
    expect(reversed.best('ipn:1.*')).toEqual(rib.best('ipn:1.*'));
    expect(rib.best('ipn:1.*')?.validFrom).toBeUndefined();
    expect(rib.explain('ipn:1.*').ranked.map((r) => r.step)).toEqual([undefined, 'tie-break']);
  });

  it('keeps the first restart deadline when the neighbor goes down again while still stale', () => {
    const rib = new LocRib(US);
    run(rib, [clock(0), announce('a.org', 'ipn:1.*'), down('a.org', 60_000)]);
    // Back, it announces ipn:2.* only, and goes down again before the first deadline.
    run(rib, [announce('a.org', 'ipn:2.*'), clock(30_000), down('a.org', 90_000)]);
    expect(run(rib, [clock(60_000)]).map((c) => [c.pattern, c.best])).toEqual([['ipn:1.*', undefined]]);
    expect(bestOf(rib, 'ipn:2.*')).toBe('a.org');
    expect(run(rib, [clock(90_000)]).map((c) => [c.pattern, c.best])).toEqual([['ipn:2.*', undefined]]);
  });

  it('does nothing with an event it has already applied, nor with a clock that goes back', () => {
    const rib = new LocRib(US);
    const event = announce('a.org', 'ipn:1.*');
    expect(run(rib, [event])).toHaveLength(1);
    expect(run(rib, [event])).toEqual([]);
    run(rib, [clock(5_000), clock(4_000)]);
    expect(rib.now).toBe(5_000);
  });
});


describe('LocRib as a replayable projection (design.md property 2)', () => {
  it('gives the same Loc-RIB and change stream replayed from 0, from a JSON checkpoint anywhere, and with events redelivered', () => {
    fc.assert(
      fc.property(longHistory, fc.nat(), (events, cutAt) => {
        const full = new LocRib(US);
        const reference = events.flatMap((e) => full.apply(e));
        const cut = events.length === 0 ? 0 : cutAt % (events.length + 1);
        // The reference records no store operations (an audit replay); this one does, as the service's.
        const first = new LocRib(US, { checkpointed: true });
        const before = events.slice(0, cut).flatMap((e) => first.apply(e));
        const resumed = LocRib.restore(JSON.parse(JSON.stringify(first.snapshot())));
        // A consumer that crashed before acking re-reads events it had applied: they change nothing.
        const after = [...events.slice(Math.max(0, cut - 3), cut), ...events.slice(cut)].flatMap((e) => resumed.apply(e));
        expect(stream([...before, ...after])).toEqual(stream(reference));
        expect(view(resumed)).toEqual(view(full));
        expect(resumed.loopsDropped).toBe(full.loopsDropped);
        expect(resumed.nextEdge()).toBe(full.nextEdge());
      }),
      { numRuns: 500 },
    );
  });

  it('records store operations only when a checkpoint follows it', () => {
    const audit = new LocRib(US);
    const service = new LocRib(US, { checkpointed: true });
    const event = announce('a.org', 'ipn:5.*');
    expect(audit.apply(event)).toEqual(service.apply(event));
    expect(service.takeStoreOps().map((op) => op.op)).toEqual(['advertisement', 'put']);
    expect(service.takeStoreOps()).toEqual([]);
    expect(() => audit.takeStoreOps()).toThrow(/checkpointed/);
  });
});

describe('LocRib change stream', () => {
  it('folded as a consumer folds it (a change names the interval it replaces, or none when the interval is new), gives the Loc-RIB\'s timelines after every event', () => {
    /** An interval as a consumer holds it: from, until, and who wins it. */
    const held = (a: RibAdvertisement) => JSON.stringify([a.validFrom, a.validUntil, a.neighbor, a.receivedSeq, a.index]);
    fc.assert(
      fc.property(longHistory, (events) => {
        const rib = new LocRib(US);
        /** Per pattern, the intervals a consumer holds, by their start. */
        const folded = new Map<string, Map<number | undefined, string>>();
        for (const event of events) {
          for (const c of rib.apply(event)) {
            const intervals = folded.get(c.pattern) ?? new Map<number | undefined, string>();
            // The interval a change replaces is one the consumer holds, as it holds it; a new one starts where it holds none.
            if (c.previous) expect([c.pattern, intervals.get(c.previous.validFrom)]).toEqual([c.pattern, held(c.previous)]);
            if (c.previous) intervals.delete(c.previous.validFrom);
            if (c.best) expect([c.pattern, intervals.get(c.best.validFrom)]).toEqual([c.pattern, undefined]);
            if (c.best) intervals.set(c.best.validFrom, held(c.best));
            folded.set(c.pattern, intervals);
          }
          const consumer = [...folded].flatMap(([pattern, intervals]) => [...intervals.values()].map((i) => `${pattern} ${i}`)).sort();
          const timelines = rib.patterns().flatMap((pattern) => rib.timeline(pattern).map((i) => `${pattern} ${held({ ...i.route, validFrom: i.from, validUntil: i.until })}`)).sort();
          expect(consumer).toEqual(timelines);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('LocRib window edges', () => {
  it('does not keep the edges of routes that are gone: a peer re-announcing a scheduled route keeps the heap small', () => {
    const rib = new LocRib(US);
    let seq = 0;
    const far = 10 ** 12;
    for (let i = 0; i < 5_000; i++) rib.apply(updateEvent(++seq, 'a.org', [], [advertised('a.org', 'ipn:1.*', { validFrom: far + 2 * i, validUntil: far + 2 * i + 1 })]));
    expect(rib.edgeCount).toBe(10_000);
    for (let i = 0; i < 5_000; i++) rib.apply(updateEvent(++seq, 'a.org', [{ pattern: 'ipn:1.*', validFrom: far + 2 * i }], []));
    expect(rib.edgeCount).toBeLessThan(2_100);
    rib.apply(updateEvent(++seq, 'a.org', [], [advertised('a.org', 'ipn:2.*', { validFrom: far, validUntil: far + 1 })]));
    expect(rib.nextEdge()).toBe(far);
  });
});
