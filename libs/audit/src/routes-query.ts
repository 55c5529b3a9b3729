import { Result, Schema } from 'effect';
import { covers, formatPattern, matches, parseEid, parsePattern, specificityScore, type EidPattern } from '#libs/eid';
import { nextHopOf } from '#libs/fib-export';
import { inWindow, isScheduled, originAd, type LocRib, type RibAdvertisement, type RibRoute } from '#libs/rib';

/**
 * A routes query over a Loc-RIB: what the running RIB answers over NATS (`dpp.api.<ad>.rib.routes`,
 * README "Live answers") and what the looking glass asks of a Loc-RIB rebuilt from the log.
 */
export const RoutesQuery = Schema.Struct({
  /** These patterns only (any text form). */
  patterns: Schema.optional(Schema.Array(Schema.String)),
  /** The most specific pattern with a route now that matches this EID (BIRD's `show route for`). */
  for: Schema.optional(Schema.String),
  /** Patterns inside this one. */
  under: Schema.optional(Schema.String),
  /** Patterns whose canonical text holds this text (the looking glass's search box). */
  text: Schema.optional(Schema.String),
  /** Routes learned from this peer AD. */
  peer: Schema.optional(Schema.String),
  /** Routes whose AD_PATH ends in this AD. */
  origin: Schema.optional(Schema.String),
  /** Only routes with a window (true), or only without (false). */
  scheduled: Schema.optional(Schema.Boolean),
  /** Every candidate of each pattern, with the §4.4 step it lost on (or why it is unusable). */
  all: Schema.optional(Schema.Boolean),
  /** Paging: the patterns after this one, at most `limit` (default and most 1,000). */
  after: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.Int),
});
export type RoutesQuery = typeof RoutesQuery.Type;

/** A route as the API tells it: every attribute, and the next hop it gives (§6.7). */
export type RouteView = Omit<RibAdvertisement, 'ownWindow'> & { readonly nextHop: string; readonly scheduled: boolean };

export interface RouteRow {
  readonly pattern: string;
  /** The interval of the pattern's timeline this route wins (null: unbounded), and whether it is in force now. */
  readonly from: number | null;
  readonly until: number | null;
  readonly inForce: boolean;
  readonly route: RouteView;
  readonly candidates?: readonly { readonly route: RouteView; readonly result: 'best' | 'lost' | 'not yet valid' | 'expired'; readonly lostTo?: string; readonly step?: string }[];
}

export interface RoutesAnswer {
  /** The RIB input event the answer stands at, and the RIB's clock. */
  readonly lastSeq: number;
  readonly now: number;
  readonly routes: readonly RouteRow[];
  /** Give as `after` for the next page; absent on the last. */
  readonly next?: string;
}

const MAX_ROUTES = 1_000;

const view = (r: RibRoute): RouteView => {
  const { pattern: _, ownWindow: __, ...route } = r;
  return { ...route, nextHop: nextHopOf(r), scheduled: isScheduled(r) };
};

const parsed = (text: string, field: string): EidPattern => {
  const p = parsePattern(text);
  if (!p.ok) throw new QueryError(`${field}: ${p.error.message}`);
  return p.value;
};
class QueryError extends Error {}

/**
 * The answer to a routes query from the Loc-RIB `rib` (pure: the RIB's state and the query).
 * `sorted` is every pattern with a timeline, in order (kept by the caller between pages).
 */
export function answerRoutes(rib: LocRib, sorted: readonly string[], query: RoutesQuery): Result.Result<RoutesAnswer, string> {
  try {
    const limit = Math.min(MAX_ROUTES, Math.max(1, query.limit ?? MAX_ROUTES));
    const under = query.under === undefined ? undefined : parsed(query.under, 'under');
    const only = query.patterns === undefined ? undefined : new Set(query.patterns.map((p, i) => formatPattern(parsed(p, `patterns[${i}]`))));
    let candidates: readonly string[] = only ? sorted.filter((p) => only.has(p)) : sorted;
    if (query.for !== undefined) {
      const eid = parseEid(query.for);
      if (!eid.ok) throw new QueryError(`for: ${eid.error.message}`);
      // The most specific pattern matching it with a route in force now: what the FIB forwards by.
      let best: { pattern: string; score: number } | undefined;
      for (const pattern of candidates) {
        const p = parsePattern(pattern);
        if (!p.ok || !matches(p.value, eid.value) || rib.best(pattern) === undefined) continue;
        const score = specificityScore(p.value);
        if (best === undefined || score > best.score) best = { pattern, score };
      }
      candidates = best === undefined ? [] : [best.pattern];
    }
    const routes: RouteRow[] = [];
    let next: string | undefined;
    const start = query.after === undefined ? 0 : upperBound(candidates, query.after);
    for (let i = start; i < candidates.length; i++) {
      const pattern = candidates[i]!;
      if (query.text !== undefined && !pattern.includes(query.text)) continue;
      if (under !== undefined) {
        const p = parsePattern(pattern);
        if (!p.ok || !covers(under, p.value)) continue;
      }
      for (const interval of rib.timeline(pattern)) {
        const a = interval.route;
        if (query.peer !== undefined && a.peerAd !== query.peer) continue;
        if (query.origin !== undefined && originAd(a) !== query.origin) continue;
        if (query.scheduled !== undefined && isScheduled(a) !== query.scheduled) continue;
        routes.push({
          pattern,
          from: interval.from ?? null,
          until: interval.until ?? null,
          inForce: inWindow({ validFrom: interval.from, validUntil: interval.until }, rib.now),
          route: view(a),
          ...(query.all ? { candidates: candidatesOf(rib, pattern, interval.from) } : {}),
        });
      }
      if (routes.length >= limit && i + 1 < candidates.length) {
        next = pattern;
        break;
      }
    }
    return Result.succeed({ lastSeq: rib.lastSeq, now: rib.now, routes, ...(next === undefined ? {} : { next }) });
  } catch (error) {
    if (error instanceof QueryError) return Result.fail(error.message);
    throw error;
  }
}

/** Every route of a pattern at the interval's start (or now), as §4.4 ranks it there. */
function candidatesOf(rib: LocRib, pattern: string, from: number | undefined): NonNullable<RouteRow['candidates']> {
  const at = from === undefined || from < rib.now ? rib.now : from;
  const { ranked, unusable } = rib.explain(pattern, at);
  return [
    ...ranked.map((r) => ({ route: view(r.route), result: r.lostTo === undefined ? ('best' as const) : ('lost' as const), ...(r.lostTo && r.step ? { lostTo: r.lostTo.neighbor.trimEnd(), step: r.step } : {}) })),
    ...unusable.map((u) => ({ route: view(u.route), result: u.why })),
  ];
}

/** The first index whose pattern sorts after `after`. */
function upperBound(sorted: readonly string[], after: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
