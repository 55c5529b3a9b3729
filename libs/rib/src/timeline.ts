import { bestRoute } from './best-path.ts';
import type { RibAdvertisement } from './rib-route.ts';

/**
 * One stretch of a pattern's timeline: [from, until) and the route that wins all of it by §4.4.
 * Unbounded ends are -Infinity and Infinity. An interval is known by its start: the timeline's
 * intervals never overlap, so (pattern, from) names one of them, as (pattern, valid_from) names a
 * route on the wire (§6.6).
 */
export interface Interval<R> {
  readonly from: number;
  readonly until: number;
  readonly winner: R;
}

export const startOf = (a: Pick<RibAdvertisement, 'validFrom'>): number => a.validFrom ?? -Infinity;
export const endOf = (a: Pick<RibAdvertisement, 'validUntil'>): number => a.validUntil ?? Infinity;
/** Window-start order (no start first): how a pattern's routes, intervals and entries are kept. */
export const byWindowStart = (a: Pick<RibAdvertisement, 'validFrom'>, b: Pick<RibAdvertisement, 'validFrom'>): number => startOf(a) - startOf(b);
/** An unbounded end (±Infinity) as the wire and JSON say it: none. */
export const finite = (t: number): number | undefined => (Number.isFinite(t) ? t : undefined);

/**
 * The best route of a pattern as a function of time (§4.4 among the routes inside their window at
 * each instant, §6.5): maximal intervals of one winner each, in time order; those that have ended
 * by `now` are left out, and an interval under way keeps the start it had (it is its name). A sweep
 * over the window edges that keeps the routes open between two edges, so it costs the routes times
 * the few that overlap, not the routes squared. `routes` must be in window-start order. An
 * interval equal to one of `previous` is that same object, so a caller finds what changed by
 * identity, and a pattern of many windows is not copied on every change.
 *
 * `changedFrom` is the earliest window start of the routes added or removed since `previous` was
 * made (Infinity: none, only the clock moved). The intervals of `previous` wholly before it are
 * kept without a sweep, and the sweep starts at the interval it falls in, unless that one is under
 * way (its start depends on the past, so the whole timeline is made again). The result is the
 * same as without `previous`: a contact plan's next pass costs a sweep of its own window.
 */
export function timelineOf<R extends RibAdvertisement>(routes: readonly R[], now: number, previous: readonly Interval<R>[] = [], changedFrom = -Infinity): Interval<R>[] {
  if (changedFrom === Infinity) return previous.every((i) => i.until > now) ? (previous as Interval<R>[]) : previous.filter((i) => i.until > now);
  let kept = 0;
  while (kept < previous.length && previous[kept]!.until < changedFrom) kept++;
  const restart = kept < previous.length ? Math.min(previous[kept]!.from, changedFrom) : changedFrom;
  if (restart <= now) return sweep(routes, now, previous, [], -Infinity, undefined);
  // The interval that ends where the sweep starts may go on (the same winner after the change).
  const seed = kept > 0 && previous[kept - 1]!.until === restart ? previous[--kept] : undefined;
  return sweep(routes, now, previous, previous.slice(0, kept).filter((i) => i.until > now), restart, seed);
}

/** The sweep from `t` on, after the intervals `intervals` already holds, with `seed` the interval under way at t, if any. */
function sweep<R extends RibAdvertisement>(routes: readonly R[], now: number, previous: readonly Interval<R>[], intervals: Interval<R>[], t: number, seed: Interval<R> | undefined): Interval<R>[] {
  // The routes open at t are open[0, openCount): the array is reused, never shrunk.
  const open: R[] = [];
  let openCount = 0;
  let next = 0;
  let reuse = 0;
  let from = seed?.from ?? 0;
  let until = seed?.until ?? 0;
  let held: R | undefined = seed?.winner;
  for (;;) {
    while (next < routes.length && startOf(routes[next]!) <= t) open[openCount++] = routes[next++]!;
    let kept = 0;
    for (let i = 0; i < openCount; i++) if (endOf(open[i]!) > t) open[kept++] = open[i]!;
    openCount = kept;
    let edge = next < routes.length ? startOf(routes[next]!) : Infinity;
    for (let i = 0; i < kept; i++) edge = Math.min(edge, endOf(open[i]!));
    const winner = kept === 0 ? undefined : kept === 1 ? open[0] : bestRoute(open.slice(0, kept));
    // Merged before the ended ones are dropped: an interval's start does not depend on the clock.
    if (winner !== undefined && winner === held && until === t) until = edge;
    else if (winner !== undefined) {
      if (held !== undefined && until > now) reuse = push(intervals, previous, reuse, from, until, held);
      from = t;
      until = edge;
      held = winner;
    }
    if (edge === Infinity) break;
    t = edge;
  }
  if (held !== undefined && until > now) push(intervals, previous, reuse, from, until, held);
  return intervals;
}

/** Appends the interval, as the object of `previous` that equals it if there is one; returns where to look in `previous` next. */
function push<R>(intervals: Interval<R>[], previous: readonly Interval<R>[], reuse: number, from: number, until: number, winner: R): number {
  while (reuse < previous.length && previous[reuse]!.from < from) reuse++;
  const old = previous[reuse];
  intervals.push(old !== undefined && old.from === from && old.until === until && old.winner === winner ? old : { from, until, winner });
  return reuse;
}

/** The interval of a timeline that holds the instant `at`, if any. */
export function intervalAt<R>(timeline: readonly Interval<R>[], at: number): Interval<R> | undefined {
  for (const interval of timeline) {
    if (interval.from > at) return undefined;
    if (at < interval.until) return interval;
  }
  return undefined;
}

/** The winner over the interval's span: its own window clipped to the interval, as the Loc-RIB gives it on. */
export function clipped<R extends RibAdvertisement>(interval: Interval<R>): R {
  const validFrom = finite(interval.from);
  const validUntil = finite(interval.until);
  const { winner } = interval;
  return validFrom === winner.validFrom && validUntil === winner.validUntil ? winner : { ...winner, validFrom, validUntil, ownWindow: { validFrom: winner.validFrom, validUntil: winner.validUntil } };
}
