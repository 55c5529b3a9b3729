import { originAd, type RibRoute } from './rib-route.ts';

/**
 * The §4.4 step that put one route behind another. Specificity (step 1) does not appear: all
 * candidates for one pattern have the same score; it decides between patterns, in the FIB.
 */
export type DecidingStep = 'ad-path-length' | 'metric' | 'oldest' | 'tie-break';

export interface Ranked {
  readonly route: RibRoute;
  /** Undefined for the winner; otherwise the route it lost to and the step that decided. */
  readonly lostTo: RibRoute | undefined;
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
export function bestPath(candidates: readonly RibRoute[]): readonly Ranked[] {
  if (candidates.length === 0) return [];
  const byOrigin = new Map<string, RibRoute[]>();
  for (const route of candidates) {
    const origin = originAd(route);
    const group = byOrigin.get(origin);
    if (group) group.push(route);
    else byOrigin.set(origin, [route]);
  }
  const heads: RibRoute[] = [];
  const ranked: Ranked[] = [];
  for (const group of byOrigin.values()) {
    group.sort((a, b) => sameOrigin(a, b).order);
    const head = group[0]!;
    heads.push(head);
    for (const route of group.slice(1)) ranked.push({ route, lostTo: head, step: sameOrigin(head, route).step });
  }
  heads.sort((a, b) => acrossOrigins(a, b).order);
  const winner = heads[0]!;
  for (const head of heads.slice(1)) ranked.push({ route: head, lostTo: winner, step: acrossOrigins(winner, head).step });
  return [{ route: winner, lostTo: undefined, step: undefined }, ...ranked];
}

interface Comparison {
  /** < 0 when the first route is preferred. */
  readonly order: number;
  readonly step: DecidingStep;
}

/** Steps 2 to 4 (§4.4), one criterion at a time; the first that differs decides. */
function sameOrigin(a: RibRoute, b: RibRoute): Comparison {
  if (a.adPath.length !== b.adPath.length) return { order: a.adPath.length - b.adPath.length, step: 'ad-path-length' };
  if (a.metric !== b.metric) return { order: a.metric - b.metric, step: 'metric' };
  return older(a, b);
}

/** Steps 2 and 4 only: metrics of different origin ADs are not comparable (§4.3). */
function acrossOrigins(a: RibRoute, b: RibRoute): Comparison {
  if (a.adPath.length !== b.adPath.length) return { order: a.adPath.length - b.adPath.length, step: 'ad-path-length' };
  return older(a, b);
}

/** Step 4, then a total order for routes of one event: the earlier window, then the neighbor. */
function older(a: RibRoute, b: RibRoute): Comparison {
  if (a.receivedSeq !== b.receivedSeq) return { order: a.receivedSeq - b.receivedSeq, step: 'oldest' };
  const [fa, fb] = [a.validFrom ?? -Infinity, b.validFrom ?? -Infinity];
  if (fa !== fb) return { order: fa < fb ? -1 : 1, step: 'tie-break' };
  return { order: a.neighbor < b.neighbor ? -1 : a.neighbor > b.neighbor ? 1 : 0, step: 'tie-break' };
}
