import { bestPath, bestRoute, type Ranked } from './best-path.ts';
import { EdgeHeap } from './edge-heap.ts';
import { NeighborSessions } from './neighbor-sessions.ts';
import type { AcceptedAdvertisement, LocRibChange, RibEvent } from './rib-event.ts';
import { advertisementOf, inWindow, routeOf, type RibAdvertisement, type RibRoute } from './rib-route.ts';

/** A neighbor that went down and whose routes older than `downSeq` are kept until `until`. */
interface Stale {
  readonly until: number;
  readonly downSeq: number;
}

/**
 * An advertisement the RIB holds. It counts the patterns that still hold it (at 0 its checkpoint
 * row goes) in a private field, so it is handed out and serialized as the advertisement alone.
 */
class Held {
  #refs = 0;

  static of(a: RibAdvertisement): Held & RibAdvertisement {
    return Object.assign(new Held(), a);
  }

  hold(): void {
    this.#refs++;
  }

  /** True when no pattern holds it any more. */
  release(): boolean {
    return --this.#refs === 0;
  }

  get unheld(): boolean {
    return this.#refs === 0;
  }
}
type HeldAdvertisement = Held & RibAdvertisement;

/**
 * One pattern's best route (undefined when none is usable) and then every route it has, one
 * advertisement each (a neighbor's per valid_from, §6.6). An exact-size array replaced on every
 * change: a pattern costs one map entry and one small array (a pushed-to or spread array
 * reserves room for 17 or more).
 */
type Slot = readonly [best: HeldAdvertisement | undefined, ...held: HeldAdvertisement[]];

const routesIn = (slot: Slot): readonly HeldAdvertisement[] => slot.slice(1) as HeldAdvertisement[];
const NO_ROUTES: Slot = [undefined];

/** Where in the slot the neighbor's route for that valid_from is, or -1. */
function placeOf(slot: Slot, neighbor: string, validFrom: number | undefined): number {
  for (let at = 1; at < slot.length; at++) if (slot[at]!.neighbor === neighbor && slot[at]!.validFrom === validFrom) return at;
  return -1;
}

type Edge = { readonly kind: 'window'; readonly pattern: string; readonly held: HeldAdvertisement } | { readonly kind: 'stale'; readonly neighbor: string; readonly stale: Stale };

/**
 * A change to what a checkpoint must hold, in the order it happened: a checkpoint store applies
 * them in one transaction per batch instead of rewriting the whole state (1M routes). An
 * advertisement is stored once for all its patterns.
 */
export type StoreOp =
  | { readonly op: 'advertisement'; readonly advertisement: RibAdvertisement }
  | { readonly op: 'drop-advertisement'; readonly advertisement: RibAdvertisement }
  | { readonly op: 'put'; readonly pattern: string; readonly advertisement: RibAdvertisement }
  | { readonly op: 'delete'; readonly pattern: string; readonly advertisement: RibAdvertisement }
  | { readonly op: 'stale'; readonly neighbor: string; readonly until: number; readonly downSeq: number }
  | { readonly op: 'unstale'; readonly neighbor: string; readonly downSeq: number }
  /** The neighbor's current session (docs: sites and liveness). */
  | { readonly op: 'session'; readonly neighbor: string; readonly session: string; readonly since: number };

/** The projection's whole state, as a checkpoint holds it. */
export interface LocRibSnapshot {
  readonly v: 3;
  readonly localAd: string;
  readonly now: number;
  readonly lastSeq: number;
  readonly loopsDropped: number;
  readonly advertisements: readonly RibAdvertisement[];
  /** Each route: its pattern and its advertisement's id. */
  readonly routes: readonly (readonly [pattern: string, receivedSeq: number, index: number])[];
  readonly stale: readonly (readonly [neighbor: string, until: number, downSeq: number])[];
  readonly sessions: readonly (readonly [neighbor: string, session: string, since: number])[];
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
 *
 * Routes are kept by pattern: a slot holds each neighbor's advertisements for it (a handful), so
 * the pattern text is stored once and a route costs one reference. A neighbor's routes are found
 * by a scan, which only a session loss and a session-up need.
 */
export class LocRib {
  readonly localAd: string;
  #now = 0;
  #lastSeq = 0;
  #loopsDropped = 0;
  readonly #slots = new Map<string, Slot>();
  #bestCount = 0;
  #sessions = new NeighborSessions();
  /** Every stale mark still pending, per neighbor: a second session loss adds one, never moves the first. */
  readonly #stale = new Map<string, Stale[]>();
  readonly #edges = new EdgeHeap<Edge>();
  /** Edges still in the heap whose route has gone: compacted away once they are half of it. */
  #deadEdges = 0;
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

  /** Patterns with a best route. */
  get size(): number {
    return this.#bestCount;
  }

  best(pattern: string): RibRoute | undefined {
    const best = this.#slots.get(pattern)?.[0];
    return best && routeOf(pattern, best);
  }

  /** The best route of every pattern that has one, by pattern. */
  *entries(): IterableIterator<[pattern: string, route: RibRoute]> {
    const patterns = [...this.#slots].flatMap(([pattern, slot]) => (slot[0] ? [pattern] : [])).sort();
    for (const pattern of patterns) yield [pattern, this.best(pattern)!];
  }

  /** Every route for a pattern: the usable ones ranked with why each lost, and those outside their window. */
  explain(pattern: string): { readonly ranked: readonly Ranked[]; readonly unusable: readonly Unusable[] } {
    const slot = this.#slots.get(pattern);
    const all = (slot ? routesIn(slot) : []).map((a) => routeOf(pattern, a));
    return {
      ranked: bestPath(all.filter((r) => inWindow(r, this.#now))),
      unusable: all
        .filter((r) => !inWindow(r, this.#now))
        .map((route) => ({ route, why: route.validFrom !== undefined && this.#now < route.validFrom ? 'not yet valid' : 'expired' })),
    };
  }

  /** Window edges and stale deadlines in the heap, dead ones not yet compacted included. */
  get edgeCount(): number {
    return this.#edges.size;
  }

  /** When the service must next record a clock event: the earliest window edge or stale deadline ahead. */
  nextEdge(): number | undefined {
    for (let time = this.#edges.peekTime(); time !== undefined; time = this.#edges.peekTime()) {
      const edge = this.#edges.pop()!;
      if (this.#live(edge)) {
        this.#edges.push(time, edge);
        return time;
      }
      this.#deadEdges = Math.max(0, this.#deadEdges - 1);
    }
    return undefined;
  }

  apply(event: RibEvent): readonly LocRibChange[] {
    if (event.seq <= this.#lastSeq) return [];
    this.#lastSeq = event.seq;
    const before = event.type === 'neighbor-up' ? this.#sessions.current(event.neighbor) : undefined;
    // An older session's late word: applied as nothing, its sequence passed.
    if (!this.#sessions.admit(event)) return [];
    const touched = new Set<string>();
    switch (event.type) {
      case 'neighbor-up': {
        // The same session's up again (a copy) ends nothing.
        const again = event.session !== undefined && before?.session === event.session;
        if (!again && this.#holdsUnended(event.neighbor)) this.#neighborDown(event.neighbor, event.staleUntil, event.seq, touched);
        const now = this.#sessions.current(event.neighbor);
        if (now !== undefined && now !== before) this.#storeOps.push({ op: 'session', neighbor: event.neighbor, ...now });
        break;
      }
      case 'neighbor-down':
        this.#neighborDown(event.neighbor, event.staleUntil, event.seq, touched);
        break;
      case 'update':
        for (const w of event.withdrawn) for (const pattern of w.patterns) this.#remove(pattern, event.neighbor, w.validFrom, touched);
        event.accepted.forEach((a, index) => this.#accept(event, a, index, touched));
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
    const advertisements = new Set<RibAdvertisement>();
    const routes: [string, number, number][] = [];
    for (const [pattern, slot] of this.#slots) {
      for (const held of routesIn(slot)) {
        advertisements.add(held);
        routes.push([pattern, held.receivedSeq, held.index]);
      }
    }
    return {
      v: 3,
      localAd: this.localAd,
      now: this.#now,
      lastSeq: this.#lastSeq,
      loopsDropped: this.#loopsDropped,
      advertisements: [...advertisements].map(advertisementOf),
      routes,
      stale: [...this.#stale].flatMap(([neighbor, marks]) => marks.map((s) => [neighbor, s.until, s.downSeq] as const)),
      sessions: this.#sessions.entries(),
    };
  }

  static restore(snapshot: LocRibSnapshot): LocRib {
    if (snapshot.v !== 3) throw new Error(`checkpoint version ${String(snapshot.v)}: this RIB reads version 3`);
    const rib = new LocRib(snapshot.localAd);
    rib.#now = snapshot.now;
    rib.#lastSeq = snapshot.lastSeq;
    rib.#loopsDropped = snapshot.loopsDropped;
    const byId = new Map<string, HeldAdvertisement>();
    for (const a of snapshot.advertisements) byId.set(`${a.receivedSeq}.${a.index}`, Held.of(advertisementOf(a)));
    for (const [pattern, receivedSeq, index] of snapshot.routes) {
      const held = byId.get(`${receivedSeq}.${index}`);
      if (!held) throw new Error(`checkpoint route ${pattern} names advertisement ${receivedSeq}.${index}, which the checkpoint does not hold`);
      rib.#insert(pattern, held, undefined);
    }
    for (const [neighbor, until, downSeq] of snapshot.stale) rib.#markStale(neighbor, { until, downSeq });
    rib.#sessions = new NeighborSessions(snapshot.sessions);
    for (const pattern of rib.#slots.keys()) rib.#rerank(pattern);
    rib.#storeOps = [];
    return rib;
  }

  /** §5.3: an advertisement whose AD_PATH holds our AD is discarded and counted, and replaces (withdraws) its routes. */
  #accept(event: RibEvent & { type: 'update' }, accepted: AcceptedAdvertisement, index: number, touched: Set<string>): void {
    const { patterns, rules: _, ...attributes } = accepted;
    if (accepted.adPath.includes(this.localAd)) {
      this.#loopsDropped += patterns.length;
      for (const pattern of patterns) this.#remove(pattern, event.neighbor, accepted.validFrom, touched);
      return;
    }
    const held = Held.of({ ...attributes, neighbor: event.neighbor, peerAd: event.peerAd, receivedSeq: event.seq, index });
    this.#storeOps.push({ op: 'advertisement', advertisement: held });
    for (const pattern of patterns) this.#insert(pattern, held, touched);
    // It named no pattern: nothing holds it.
    if (held.unheld) this.#storeOps.push({ op: 'drop-advertisement', advertisement: held });
  }

  /** `touched` undefined: restoring, nothing to record. A route the neighbor had for the same key is replaced in place. */
  #insert(pattern: string, held: HeldAdvertisement, touched: Set<string> | undefined): void {
    const slot = this.#slots.get(pattern) ?? NO_ROUTES;
    const at = touched ? placeOf(slot, held.neighbor, held.validFrom) : -1;
    // The advertisement named the pattern twice: it holds it already.
    if (at > 0 && slot[at] === held) return;
    if (at > 0) this.#dropped(pattern, slot[at]!);
    this.#slots.set(pattern, (at > 0 ? slot.with(at, held) : slot.concat([held])) as unknown as Slot);
    held.hold();
    if (held.validFrom !== undefined && held.validFrom > this.#now) this.#edges.push(held.validFrom, { kind: 'window', pattern, held });
    if (held.validUntil !== undefined && held.validUntil > this.#now) this.#edges.push(held.validUntil, { kind: 'window', pattern, held });
    if (!touched) return;
    this.#storeOps.push({ op: 'put', pattern, advertisement: held });
    touched.add(pattern);
  }

  /** The route a neighbor has for a pattern and valid_from, if any, leaves (§6.6; unknown: nothing happens). */
  #remove(pattern: string, neighbor: string, validFrom: number | undefined, touched: Set<string>): void {
    const slot = this.#slots.get(pattern);
    const at = slot ? placeOf(slot, neighbor, validFrom) : -1;
    if (at > 0) this.#removeAt(pattern, slot!, at, touched);
  }

  /** `at` ≥ 1: the place of the route in its slot. */
  #removeAt(pattern: string, slot: Slot, at: number, touched: Set<string>): void {
    this.#dropped(pattern, slot[at]!);
    this.#slots.set(pattern, slot.toSpliced(at, 1) as unknown as Slot);
    touched.add(pattern);
  }

  /** A route left its slot: its row goes, and its advertisement's with the last of its patterns. */
  #dropped(pattern: string, held: HeldAdvertisement): void {
    this.#storeOps.push({ op: 'delete', pattern, advertisement: held });
    if (held.release()) this.#storeOps.push({ op: 'drop-advertisement', advertisement: held });
    // Its edges ahead of the clock are still in the heap (those behind it were taken): a peer
    // re-announcing scheduled routes must not grow the heap without bound.
    this.#deadEdges += Number(held.validFrom !== undefined && held.validFrom > this.#now) + Number(held.validUntil !== undefined && held.validUntil > this.#now);
    if (this.#deadEdges > 1_024 && this.#deadEdges * 2 > this.#edges.size) {
      this.#edges.retain((edge) => this.#live(edge));
      this.#deadEdges = 0;
    }
  }

  /** Immediately, or after the stale time: then only the routes it has not announced again since. */
  #neighborDown(neighbor: string, staleUntil: number | undefined, seq: number, touched: Set<string>): void {
    if (staleUntil === undefined || staleUntil <= this.#now) return this.#dropOlder(neighbor, seq, touched);
    this.#markStale(neighbor, { until: staleUntil, downSeq: seq });
  }

  /** Whether the neighbor holds routes no session loss has marked stale yet (a scan, as for a session loss: once per session-up). */
  #holdsUnended(neighbor: string): boolean {
    const lastDown = Math.max(0, ...(this.#stale.get(neighbor) ?? []).map((s) => s.downSeq));
    for (const slot of this.#slots.values()) {
      for (let at = 1; at < slot.length; at++) if (slot[at]!.neighbor === neighbor && slot[at]!.receivedSeq > lastDown) return true;
    }
    return false;
  }


  #markStale(neighbor: string, stale: Stale): void {
    this.#stale.set(neighbor, [...(this.#stale.get(neighbor) ?? []), stale]);
    this.#storeOps.push({ op: 'stale', neighbor, until: stale.until, downSeq: stale.downSeq });
    this.#edges.push(stale.until, { kind: 'stale', neighbor, stale });
  }

  #dropOlder(neighbor: string, seq: number, touched: Set<string>): void {
    for (const [pattern, slot] of this.#slots) {
      for (let at = slot.length - 1; at >= 1; at--) {
        const held = slot[at]!;
        if (held.neighbor === neighbor && held.receivedSeq < seq) this.#removeAt(pattern, this.#slots.get(pattern)!, at, touched);
      }
    }
  }

  /** The clock moved (never backwards): routes cross their window edges, stale routes expire. */
  #advance(now: number, touched: Set<string>): void {
    this.#now = Math.max(this.#now, now);
    for (let time = this.#edges.peekTime(); time !== undefined && time <= this.#now; time = this.#edges.peekTime()) {
      const edge = this.#edges.pop()!;
      if (!this.#live(edge)) {
        this.#deadEdges = Math.max(0, this.#deadEdges - 1);
        continue;
      }
      if (edge.kind === 'window') {
        const { pattern, held } = edge;
        // Past its valid_until a route can never be usable again (the clock never goes back): it goes.
        if (held.validUntil !== undefined && held.validUntil <= this.#now) this.#remove(pattern, held.neighbor, held.validFrom, touched);
        else touched.add(pattern);
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
    return edge.kind === 'window' ? (this.#slots.get(edge.pattern)?.includes(edge.held, 1) ?? false) : (this.#stale.get(edge.neighbor)?.includes(edge.stale) ?? false);
  }

  /** New best routes of the touched patterns, in pattern order so that every run emits the same stream. */
  #rank(touched: Set<string>, causeSeq: number): LocRibChange[] {
    const changes: LocRibChange[] = [];
    for (const pattern of [...touched].sort()) {
      const previous = this.#slots.get(pattern)?.[0];
      const best = this.#rerank(pattern);
      if (best !== previous) changes.push({ pattern, best, previous, causeSeq, at: this.#now });
    }
    return changes;
  }

  /** The pattern's best route now; a pattern left with no route goes. */
  #rerank(pattern: string): HeldAdvertisement | undefined {
    const slot = this.#slots.get(pattern);
    if (!slot) return undefined;
    const routes = routesIn(slot);
    const best = bestRoute(routes.every((h) => inWindow(h, this.#now)) ? routes : routes.filter((h) => inWindow(h, this.#now)));
    this.#bestCount += Number(best !== undefined) - Number(slot[0] !== undefined);
    if (routes.length === 0) this.#slots.delete(pattern);
    else if (best !== slot[0]) this.#slots.set(pattern, [best].concat(routes) as unknown as Slot);
    return best;
  }
}
