import { originAd, type RibAdvertisement, type RibRoute } from './rib-route.ts';

/**
 * The §4.4 step that put one route behind another. Specificity (step 1) does not appear: all
 * candidates for one pattern have the same score; it decides between patterns, in the FIB.
 */
export type DecidingStep = 'ad-path-length' | 'metric' | 'oldest' | 'tie-break';

export interface Ranked<R extends RibAdvertisement = RibRoute> {
  readonly route: R;
  /** Undefined for the winner; otherwise the route it lost to and the step that decided. */
  readonly lostTo: R | undefined;
  readonly step: DecidingStep | undefined;
}

/**
 * §4.4 best path among the usable routes for one pattern, and why each other route lost.
 *
 * The metric is compared only between routes from the same origin AD (§4.3, Table 3). Compared
 * pairwise that is not transitive (BGP's MED problem): with A and B from one origin and C from
 * another, A may beat B on metric, B beat C on age and C beat A on age, so the winner would depend
 * on arrival order and replays would disagree. As BGP's deterministic MED does, routes are first
 * ranked within each origin AD (AD_PATH length, metric, age), then the best of each origin
 * against each other without the metric (AD_PATH length, age). Age is the log sequence that
 * brought the route; routes of one event share it (an unscheduled and a scheduled route for one
 * pattern), so a last, total step orders them by valid_from, then neighbor: the winner never
 * depends on the order routes were stored or restored in (docs/spec-notes.md §4.4).
 */
export function bestPath<R extends RibAdvertisement>(candidates: readonly R[]): readonly Ranked<R>[] {
  if (candidates.length === 0) return [];
  const byOrigin = new Map<string, R[]>();
  for (const route of candidates) {
    const origin = originAd(route);
    const group = byOrigin.get(origin);
    if (group) group.push(route);
    else byOrigin.set(origin, [route]);
  }
  const heads: R[] = [];
  const ranked: Ranked<R>[] = [];
  for (const group of byOrigin.values()) {
    group.sort(sameOrigin);
    const head = group[0]!;
    heads.push(head);
    for (const route of group.slice(1)) ranked.push({ route, lostTo: head, step: stepOf(sameOrigin(head, route)) });
  }
  heads.sort(acrossOrigins);
  const winner = heads[0]!;
  for (const head of heads.slice(1)) ranked.push({ route: head, lostTo: winner, step: stepOf(acrossOrigins(winner, head)) });
  return [{ route: winner, lostTo: undefined, step: undefined }, ...ranked];
}

/**
 * The winner of `bestPath` alone, without the ranking: what the RIB needs on every change. Each
 * origin's head is found in place (a pattern has a handful of routes), allocating nothing.
 */
export function bestRoute<R extends RibAdvertisement>(candidates: readonly R[]): R | undefined {
  let winner: R | undefined;
  for (const route of candidates) {
    if (!isHead(route, candidates)) continue;
    if (winner === undefined || acrossOrigins(route, winner) < 0) winner = route;
  }
  return winner;
}

/** No route of the same origin ranks before it. */
function isHead(route: RibAdvertisement, candidates: readonly RibAdvertisement[]): boolean {
  const origin = originAd(route);
  for (const other of candidates) if (other !== route && originAd(other) === origin && sameOrigin(other, route) < 0) return false;
  return true;
}

/**
 * A comparison: < 0 when the first route is preferred, and its size says which step decided
 * (1 AD_PATH length, 2 metric, 3 age, 4 the tie-break), so comparing allocates nothing.
 */
const STEPS: readonly DecidingStep[] = ['ad-path-length', 'ad-path-length', 'metric', 'oldest', 'tie-break'];
const stepOf = (comparison: number): DecidingStep => STEPS[Math.abs(comparison)]!;

/** Steps 2 to 4 (§4.4), one criterion at a time; the first that differs decides. */
function sameOrigin(a: RibAdvertisement, b: RibAdvertisement): number {
  if (a.adPath.length !== b.adPath.length) return Math.sign(a.adPath.length - b.adPath.length);
  if (a.metric !== b.metric) return 2 * Math.sign(a.metric - b.metric);
  return older(a, b);
}

/** Steps 2 and 4 only: metrics of different origin ADs are not comparable (§4.3). */
function acrossOrigins(a: RibAdvertisement, b: RibAdvertisement): number {
  if (a.adPath.length !== b.adPath.length) return Math.sign(a.adPath.length - b.adPath.length);
  return older(a, b);
}

/** Step 4, then a total order for routes of one event: the earlier window, then the neighbor. */
function older(a: RibAdvertisement, b: RibAdvertisement): number {
  if (a.receivedSeq !== b.receivedSeq) return 3 * Math.sign(a.receivedSeq - b.receivedSeq);
  const [fa, fb] = [a.validFrom ?? -Infinity, b.validFrom ?? -Infinity];
  if (fa !== fb) return fa < fb ? -4 : 4;
  return a.neighbor < b.neighbor ? -4 : a.neighbor > b.neighbor ? 4 : 0;
}
