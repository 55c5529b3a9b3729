import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { LocRib, type RibEvent } from '#libs/rib';
import { advertised, updateEvent } from '../../rib/test/routes.ts';
import { answerRoutes, type RoutesQuery } from '#libs/audit';

const US = 'us.example.org';
const HOUR = 3_600_000;

/** A Loc-RIB of three patterns: ipn:100 from two peers (a.org wins on AD_PATH length), ipn:100.7 from b.org, a scheduled dtn route from c.org. */
function rib(): LocRib {
  const r = new LocRib(US);
  const events: RibEvent[] = [
    { type: 'clock', seq: 1, now: 1_000 * HOUR },
    updateEvent(2, 'a.org', [], [advertised('a.org', 'ipn:100.*.*', { adPath: ['a.org'], gatewayEid: 'ipn:0.5.0' })]),
    updateEvent(3, 'b.org', [], [advertised('b.org', ['ipn:100.*.*', 'ipn:100.7.*'], { adPath: ['b.org', 'x.org'], metric: 3 })]),
    updateEvent(4, 'c.org', [], [advertised('c.org', 'dtn://rover.c.org/**', { adPath: ['c.org'], validFrom: 1_001 * HOUR, validUntil: 1_002 * HOUR, bandwidthBps: '8000' })]),
  ];
  for (const e of events) r.apply(e);
  return r;
}
const ask = (query: RoutesQuery) => {
  const r = rib();
  return Result.getOrThrow(answerRoutes(r, r.patterns(), query));
};

describe('a routes query over a Loc-RIB, as the RIB read API answers it (routes-query.ts)', () => {
  it('answers every interval with its route and every attribute, current and future, at the RIB input it stands at', () => {
    const answer = ask({});
    expect([answer.lastSeq, answer.now, answer.next]).toEqual([4, 1_000 * HOUR, undefined]);
    expect(answer.routes.map((r) => [r.pattern, r.route.peerAd, r.inForce, r.from])).toEqual([
      ['dtn://rover.c.org/**', 'c.org', false, 1_001 * HOUR],
      ['ipn:100.*.*', 'a.org', true, null],
      ['ipn:100.7.*', 'b.org', true, null],
    ]);
    expect(answer.routes[0]!.route).toMatchObject({ neighbor: 'c.org', adPath: ['c.org'], metric: 0, validFrom: 1_001 * HOUR, validUntil: 1_002 * HOUR, bandwidthBps: '8000', nextHop: 'dtn://c.org/', scheduled: true, receivedSeq: 4, index: 0, transitive: [] });
    expect(answer.routes[1]!.route.nextHop).toBe('ipn:0.5.0');
  });

  it('finds the most specific pattern with a route now for an EID, as a FIB forwards', () => {
    expect(ask({ for: 'ipn:100.7.1' }).routes.map((r) => r.pattern)).toEqual(['ipn:100.7.*']);
    expect(ask({ for: 'ipn:100.8.1' }).routes.map((r) => r.pattern)).toEqual(['ipn:100.*.*']);
    // The rover's window has not begun: no route now.
    expect(ask({ for: 'dtn://rover.c.org/x' }).routes).toEqual([]);
  });

  it('filters by patterns, peer, origin, a covering pattern and schedule', () => {
    expect(ask({ patterns: ['IPN:100.*'] }).routes.map((r) => r.pattern)).toEqual(['ipn:100.*.*']);
    expect(ask({ peer: 'b.org' }).routes.map((r) => r.pattern)).toEqual(['ipn:100.7.*']);
    expect(ask({ origin: 'x.org' }).routes.map((r) => r.pattern)).toEqual(['ipn:100.7.*']);
    expect(ask({ under: 'ipn:100.*.*' }).routes.map((r) => r.pattern)).toEqual(['ipn:100.*.*', 'ipn:100.7.*']);
    expect(ask({ scheduled: true }).routes.map((r) => r.pattern)).toEqual(['dtn://rover.c.org/**']);
    expect(ask({ scheduled: false }).routes).toHaveLength(2);
  });

  it('gives every candidate with the §4.4 step it lost on', () => {
    const [row] = ask({ patterns: ['ipn:100.*.*'], all: true }).routes;
    expect(row!.candidates!.map((c) => [c.route.peerAd, c.result, c.lostTo, c.step])).toEqual([
      ['a.org', 'best', undefined, undefined],
      ['b.org', 'lost', 'a.org', 'ad-path-length'],
    ]);
  });

  it('answers in pages, each going on after the last pattern of the one before', () => {
    const first = ask({ limit: 2 });
    expect([first.routes.map((r) => r.pattern), first.next]).toEqual([['dtn://rover.c.org/**', 'ipn:100.*.*'], 'ipn:100.*.*']);
    const second = ask({ limit: 2, after: first.next! });
    expect([second.routes.map((r) => r.pattern), second.next]).toEqual([['ipn:100.7.*'], undefined]);
  });

  it('says what is wrong with a query', () => {
    const r = rib();
    expect(answerRoutes(r, r.patterns(), { under: 'ipn:*.1' })).toEqual(Result.fail(expect.stringContaining('under: ')));
    expect(answerRoutes(r, r.patterns(), { for: 'nonsense' })).toEqual(Result.fail(expect.stringContaining('for: ')));
  });
});
