import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestPath, bestRoute } from '../src/best-path.ts';
import type { RibRoute } from '../src/rib-route.ts';
import { ribRoute } from './routes.ts';

const route = (name: string, adPath: string[], metric: number, receivedSeq: number): RibRoute =>
  ribRoute(name, 'ipn:100.*', { peerAd: adPath[0]!, adPath, metric, receivedSeq });

const summary = (candidates: RibRoute[]) => bestPath(candidates).map((r) => [r.route.neighbor, r.lostTo?.neighbor, r.step]);

describe('bestPath (§4.4)', () => {
  it('prefers the shorter AD_PATH, whatever the metric and age', () => {
    const long = route('long', ['a.org', 'b.org', 'x.org'], 0, 1);
    const short = route('short', ['c.org', 'x.org'], 50, 2);
    expect(summary([long, short])).toEqual([['short', undefined, undefined], ['long', 'short', 'ad-path-length']]);
  });

  it('then the lower metric, between routes from the same origin AD (the draft\'s Europe/Australia example, §4.3)', () => {
    const europe = route('europe', ['b.org'], 100, 1);
    const australia = route('australia', ['b.org'], 10, 2);
    expect(summary([europe, australia])).toEqual([['australia', undefined, undefined], ['europe', 'australia', 'metric']]);
  });

  it('never compares metrics of different origin ADs: age decides', () => {
    const older = route('older', ['a.org', 'x.org'], 100, 1);
    const cheaper = route('cheaper', ['b.org', 'y.org'], 1, 2);
    expect(summary([cheaper, older])).toEqual([['older', undefined, undefined], ['cheaper', 'older', 'oldest']]);
  });

  it('then the oldest route, by the log sequence that brought it', () => {
    const first = route('first', ['a.org'], 10, 7);
    const second = route('second', ['a.org'], 10, 9);
    expect(summary([second, first])).toEqual([['first', undefined, undefined], ['second', 'first', 'oldest']]);
  });

  it('ranks within each origin first (deterministic MED): a route that lost on metric says so', () => {
    // A beats B on metric (origin x); C (origin y) is older than A and than B.
    const a = route('A', ['p.org', 'x.org'], 1, 5);
    const b = route('B', ['q.org', 'x.org'], 9, 3);
    const c = route('C', ['r.org', 'y.org'], 0, 4);
    expect(summary([a, b, c])).toEqual([['C', undefined, undefined], ['B', 'A', 'metric'], ['A', 'C', 'oldest']]);
  });

  it('picks the same winner whatever order the candidates come in', () => {
    const candidate = fc.record({
      origin: fc.constantFrom('x.org', 'y.org', 'z.org'),
      hops: fc.integer({ min: 0, max: 2 }),
      metric: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(candidate, { minLength: 1, maxLength: 8 }), fc.integer(), (specs, seed) => {
        const routes = specs.map((s, i) => route(`n${i}`, [...Array.from({ length: s.hops }, (_, h) => `hop${h}.org`), s.origin], s.metric, i + 1));
        const shuffled = [...routes].sort((p, q) => ((p.receivedSeq * 7919 + seed) % 101) - ((q.receivedSeq * 7919 + seed) % 101));
        expect(bestPath(shuffled)[0]!.route).toBe(bestPath(routes)[0]!.route);
        // The RIB's allocation-free winner is the ranking's.
        expect(bestRoute(shuffled)).toBe(bestPath(routes)[0]!.route);
        expect(bestPath(routes)).toHaveLength(routes.length);
      }),
    );
  });
});
