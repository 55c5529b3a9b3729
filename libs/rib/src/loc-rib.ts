import { bestPath, type Ranked } from './best-path.ts';
import { EdgeHeap } from './edge-heap.ts';
import type { LocRibChange, RibEvent } from './rib-event.ts';
import { inWindow, routeKey, type RibRoute } from './rib-route.ts';

/** A neighbor that went down and whose routes older than `downSeq` are kept until `until`. */
interface Stale {
  readonly until: number;
  readonly downSeq: number;
}

type Edge = { readonly kind: 'window'; readonly route: RibRoute } | { readonly kind: 'stale'; readonly neighbor: string; readonly stale: Stale };

/**
 * A change to what a checkpoint must hold, in the order it happened: a checkpoint store applies
 * them in one transaction per batch instead of rewriting the whole state (1M routes).
 */
export type StoreOp =
  | { readonly op: 'put'; readonly route: RibRoute }
  | { readonly op: 'delete'; readonly neighbor: string; readonly key: string }
  | { readonly op: 'stale'; readonly neighbor: string; readonly until: number; readonly downSeq: number }
  | { readonly op: 'unstale'; readonly neighbor: string; readonly downSeq: number };

/** The projection's whole state, as a checkpoint holds it (JSON). */
export interface LocRibSnapshot {
  readonly v: 1;
  readonly localAd: string;
  readonly now: number;
  readonly lastSeq: number;
  readonly loopsDropped: number;
  readonly routes: readonly RibRoute[];
  readonly stale: readonly (readonly [neighbor: string, until: number, downSeq: number])[];
}

/** Why a route of a pattern is not in the running: outside its window (§6.5). */
export interface Unusable {
  readonly route: RibRoute;
  readonly why: 'not yet valid' | 'expired';
}

/**
 * The Loc-RIB as a projection of the event log (design.md property 2): Adj-RIB-In per neighbor
 * keyed by (pattern, valid_from), the best route per pattern by §4.4 among the routes inside
 * their window, and the changes of that best route. `apply` reads nothing but its state and the
 * event: no clock, no IO, so applying the same events gives the same Loc-RIB and the same changes,
 * from the start or from a snapshot. An event at or below the last applied sequence changes
 * nothing, so a redelivered event is harmless.
 */
export class LocRib {
  readonly localAd: string;
  #now = 0;
  #lastSeq = 0;
  #loopsDropped = 0;
  readonly #adjRibIn = new Map<string, Map<string, RibRoute>>();
  readonly #candidates = new Map<string, Set<RibRoute>>();
  readonly #best = new Map<string, RibRoute>();
  /** Every stale mark still pending, per neighbor: a second session loss adds one, never moves the first. */
  readonly #stale = new Map<string, Stale[]>();
  readonly #edges = new EdgeHeap<Edge>();
  #storeOps: StoreOp[] = [];

  constructor(localAd: string) {
    this.localAd = localAd;
  }

  get now(): number {
    return this.#now;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Routes discarded because their AD_PATH holds our AD (§5.3). */
  get loopsDropped(): number {
    return this.#loopsDropped;
  }

  get size(): number {
    return this.#best.size;
  }

  best(pattern: string): RibRoute | undefined {
    return this.#best.get(pattern);
  }

  /** The best route of every pattern that has one, by pattern. */
  *entries(): IterableIterator<[pattern: string, route: RibRoute]> {
    yield* [...this.#best].sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /** Every route for a pattern: the usable ones ranked with why each lost, and those outside their window. */
  explain(pattern: string): { readonly ranked: readonly Ranked[]; readonly unusable: readonly Unusable[] } {
    const all = [...(this.#candidates.get(pattern) ?? [])];
    return {
      ranked: bestPath(all.filter((r) => inWindow(r, this.#now))),
      unusable: all
        .filter((r) => !inWindow(r, this.#now))
        .map((route) => ({ route, why: route.validFrom !== undefined && this.#now < route.validFrom ? 'not yet valid' : 'expired' })),
    };
  }

  /** When the service must next record a clock event: the earliest window edge or stale deadline ahead. */
  nextEdge(): number | undefined {
    for (let time = this.#edges.peekTime(); time !== undefined; time = this.#edges.peekTime()) {
      const edge = this.#edges.pop()!;
      if (this.#live(edge)) {
        this.#edges.push(time, edge);
        return time;
      }
    }
    return undefined;
  }

  apply(event: RibEvent): readonly LocRibChange[] {
    if (event.seq <= this.#lastSeq) return [];
    this.#lastSeq = event.seq;
    const touched = new Set<string>();
    switch (event.type) {
      case 'neighbor-up':
        break;
      case 'neighbor-down':
        this.#neighborDown(event.neighbor, event.staleUntil, event.seq, touched);
        break;
      case 'update':
        for (const w of event.withdrawn) this.#remove(event.neighbor, routeKey(w.pattern, w.validFrom), touched);
        for (const route of event.accepted) this.#accept({ ...route, neighbor: event.neighbor, receivedSeq: event.seq }, touched);
        break;
      case 'clock':
        this.#advance(event.now, touched);
        break;
      default:
        return event satisfies never;
    }
    return this.#rank(touched, event.seq);
  }

  /** The store operations since the last call, for the checkpoint of the batch just applied. */
  takeStoreOps(): StoreOp[] {
    const ops = this.#storeOps;
    this.#storeOps = [];
    return ops;
  }

  snapshot(): LocRibSnapshot {
    return {
      v: 1,
      localAd: this.localAd,
      now: this.#now,
      lastSeq: this.#lastSeq,
      loopsDropped: this.#loopsDropped,
      routes: [...this.#adjRibIn.values()].flatMap((routes) => [...routes.values()]),
      stale: [...this.#stale].flatMap(([neighbor, marks]) => marks.map((s) => [neighbor, s.until, s.downSeq] as const)),
    };
  }

  static restore(snapshot: LocRibSnapshot): LocRib {
    if (snapshot.v !== 1) throw new Error(`checkpoint version ${String(snapshot.v)}: this RIB reads version 1`);
    const rib = new LocRib(snapshot.localAd);
    rib.#now = snapshot.now;
    rib.#lastSeq = snapshot.lastSeq;
    rib.#loopsDropped = snapshot.loopsDropped;
    const touched = new Set<string>();
    for (const route of snapshot.routes) rib.#insert(route, touched);
    for (const [neighbor, until, downSeq] of snapshot.stale) rib.#markStale(neighbor, { until, downSeq });
    rib.#rank(touched, snapshot.lastSeq);
    rib.#storeOps = [];
    return rib;
  }

  /** §5.3: a route whose AD_PATH holds our AD is discarded and counted, and replaces (withdraws) its key. */
  #accept(route: RibRoute, touched: Set<string>): void {
    if (route.adPath.includes(this.localAd)) {
      this.#loopsDropped++;
      this.#remove(route.neighbor, routeKey(route.pattern, route.validFrom), touched);
      return;
    }
    this.#insert(route, touched);
  }

  #insert(route: RibRoute, touched: Set<string>): void {
    const key = routeKey(route.pattern, route.validFrom);
    this.#remove(route.neighbor, key, touched);
    let routes = this.#adjRibIn.get(route.neighbor);
    if (!routes) this.#adjRibIn.set(route.neighbor, (routes = new Map()));
    routes.set(key, route);
    this.#storeOps.push({ op: 'put', route });
    let candidates = this.#candidates.get(route.pattern);
    if (!candidates) this.#candidates.set(route.pattern, (candidates = new Set()));
    candidates.add(route);
    for (const edge of [route.validFrom, route.validUntil]) if (edge !== undefined && edge > this.#now) this.#edges.push(edge, { kind: 'window', route });
    touched.add(route.pattern);
  }

  #remove(neighbor: string, key: string, touched: Set<string>): void {
    const routes = this.#adjRibIn.get(neighbor);
    const route = routes?.get(key);
    if (!routes || !route) return;
    routes.delete(key);
    this.#storeOps.push({ op: 'delete', neighbor, key });
    if (routes.size === 0) this.#adjRibIn.delete(neighbor);
    const candidates = this.#candidates.get(route.pattern)!;
    candidates.delete(route);
    if (candidates.size === 0) this.#candidates.delete(route.pattern);
    touched.add(route.pattern);
  }

  /** Immediately, or after the stale time: then only the routes it has not announced again since. */
  #neighborDown(neighbor: string, staleUntil: number | undefined, seq: number, touched: Set<string>): void {
    if (staleUntil === undefined || staleUntil <= this.#now) return this.#dropOlder(neighbor, seq, touched);
    this.#markStale(neighbor, { until: staleUntil, downSeq: seq });
  }

  #markStale(neighbor: string, stale: Stale): void {
    this.#stale.set(neighbor, [...(this.#stale.get(neighbor) ?? []), stale]);
    this.#storeOps.push({ op: 'stale', neighbor, until: stale.until, downSeq: stale.downSeq });
    this.#edges.push(stale.until, { kind: 'stale', neighbor, stale });
  }

  #dropOlder(neighbor: string, seq: number, touched: Set<string>): void {
    for (const [key, route] of [...(this.#adjRibIn.get(neighbor) ?? [])]) if (route.receivedSeq < seq) this.#remove(neighbor, key, touched);
  }

  /** The clock moved (never backwards): routes cross their window edges, stale routes expire. */
  #advance(now: number, touched: Set<string>): void {
    this.#now = Math.max(this.#now, now);
    for (let time = this.#edges.peekTime(); time !== undefined && time <= this.#now; time = this.#edges.peekTime()) {
      const edge = this.#edges.pop()!;
      if (!this.#live(edge)) continue;
      if (edge.kind === 'window') {
        const { route } = edge;
        // Past its valid_until a route can never be usable again (the clock never goes back): it goes.
        if (route.validUntil !== undefined && route.validUntil <= this.#now) this.#remove(route.neighbor, routeKey(route.pattern, route.validFrom), touched);
        else touched.add(route.pattern);
      } else {
        const left = (this.#stale.get(edge.neighbor) ?? []).filter((s) => s !== edge.stale);
        if (left.length > 0) this.#stale.set(edge.neighbor, left);
        else this.#stale.delete(edge.neighbor);
        this.#storeOps.push({ op: 'unstale', neighbor: edge.neighbor, downSeq: edge.stale.downSeq });
        this.#dropOlder(edge.neighbor, edge.stale.downSeq, touched);
      }
    }
  }

  /** An edge still matters if its route is still held, or its stale mark still stands. */
  #live(edge: Edge): boolean {
    return edge.kind === 'window'
      ? this.#adjRibIn.get(edge.route.neighbor)?.get(routeKey(edge.route.pattern, edge.route.validFrom)) === edge.route
      : (this.#stale.get(edge.neighbor)?.includes(edge.stale) ?? false);
  }

  /** New best routes of the touched patterns, in pattern order so that every run emits the same stream. */
  #rank(touched: Set<string>, causeSeq: number): LocRibChange[] {
    const changes: LocRibChange[] = [];
    for (const pattern of [...touched].sort()) {
      const usable = [...(this.#candidates.get(pattern) ?? [])].filter((r) => inWindow(r, this.#now));
      const best = bestPath(usable)[0]?.route;
      const previous = this.#best.get(pattern);
      if (best === previous) continue;
      if (best) this.#best.set(pattern, best);
      else this.#best.delete(pattern);
      changes.push({ pattern, best, previous, causeSeq, at: this.#now });
    }
    return changes;
  }
}
