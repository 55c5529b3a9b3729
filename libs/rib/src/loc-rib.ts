import { bestPath, bestRoute, type Ranked } from './best-path.ts';
import { EdgeHeap } from './edge-heap.ts';
import { NeighborSessions } from './neighbor-sessions.ts';
import type { AcceptedAdvertisement, LocRibChange, RibEvent } from './rib-event.ts';
import { advertisementOf, inWindow, routeOf, type RibAdvertisement, type RibRoute } from './rib-route.ts';
import { clipped, endOf, finite, intervalAt, startOf, timelineOf, type Interval } from './timeline.ts';

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
 * One pattern's timeline and then every route it has, one advertisement each (a neighbor's per
 * valid_from, §6.6), in window-start order. The timeline of a pattern whose routes have no window
 * is one unbounded interval: it is kept as its winner alone (or undefined: no route), so such a
 * pattern costs what it did before time entered the RIB. An exact-size array, replaced when its
 * routes change (its timeline is set in place): a pattern costs one map entry and one small array
 * (a pushed-to or spread array reserves room for 17 or more).
 */
type Timeline = HeldAdvertisement | undefined | readonly Interval<HeldAdvertisement>[];
type Slot = readonly [timeline: Timeline, ...held: HeldAdvertisement[]];
/** The patterns an event touched, each with the earliest window start of a route added or removed (Infinity: only the clock reached one of its edges). */
type Touched = Map<string, number>;
/** Where a ranking puts its interval changes, and the event they come from. */
interface ChangesOut {
  readonly causeSeq: number;
  readonly changes: LocRibChange[];
}

const routesIn = (slot: Slot): readonly HeldAdvertisement[] => slot.slice(1) as HeldAdvertisement[];
const heldAt = (slot: Slot, at: number): HeldAdvertisement => slot[at] as HeldAdvertisement;
const NO_ROUTES: Slot = [undefined];

/**
 * A slot as the map holds it. The slot of a full table's pattern is its one route twice (the route
 * is its own timeline): the map holds it as the route alone, so such a pattern costs its entry and
 * its text, not also an array of two (64 of the 236 bytes a route took at 1M patterns from one
 * neighbor, `bench/rib-rss.ts`). Either form gives back the same slot.
 */
type Stored = Slot | HeldAdvertisement;
/** A full table's route held alone (no array: a Held never is one). */
const alone = (stored: Stored): stored is HeldAdvertisement => !Array.isArray(stored);
const slotOf = (stored: Stored): Slot => (alone(stored) ? [stored, stored] : (stored as Slot));
const storedOf = (slot: Slot): Stored => (slot.length === 2 && slot[0] === slot[1] ? heldAt(slot, 1) : slot);

const intervalsOf = (timeline: Timeline): readonly Interval<HeldAdvertisement>[] =>
  timeline === undefined ? [] : Array.isArray(timeline) ? timeline : [{ from: -Infinity, until: Infinity, winner: timeline as HeldAdvertisement }];

/** A pattern's timeline over the routes of its slot at `now`; the short form when no route has a window. */
function timelineFor(slot: Slot, now: number, previous: Timeline, changedFrom: number): Timeline {
  let windowed = false;
  for (let at = 1; at < slot.length && !windowed; at++) windowed = heldAt(slot, at).validFrom !== undefined || heldAt(slot, at).validUntil !== undefined;
  // A pattern of a full table: one route, no window.
  if (!windowed) return slot.length === 2 ? heldAt(slot, 1) : bestRoute(routesIn(slot));
  const intervals = timelineOf(routesIn(slot), now, intervalsOf(previous), changedFrom);
  return intervals.length === 1 && intervals[0]!.from === -Infinity && intervals[0]!.until === Infinity ? intervals[0]!.winner : intervals;
}

/** Where in the slot the neighbor's route for that valid_from is, or -1. */
function placeOf(slot: Slot, neighbor: string, validFrom: number | undefined): number {
  for (let at = 1; at < slot.length; at++) if (heldAt(slot, at).neighbor === neighbor && heldAt(slot, at).validFrom === validFrom) return at;
  return -1;
}

/** Where a new route goes to keep the slot in window-start order: after those that start no later. */
function placeFor(slot: Slot, held: HeldAdvertisement): number {
  let at = slot.length;
  while (at > 1 && startOf(heldAt(slot, at - 1)) > startOf(held)) at--;
  return at;
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

/** Why a route of a pattern is not in the running at an instant: outside its window (§6.5). */
export interface Unusable {
  readonly route: RibRoute;
  readonly why: 'not yet valid' | 'expired';
}

/** One interval of a pattern's timeline as the RIB tells it: its bounds (undefined: unbounded) and the route that wins it, as received. */
export interface TimelineInterval {
  readonly from: number | undefined;
  readonly until: number | undefined;
  readonly route: RibRoute;
}

/**
 * The Loc-RIB as a projection of the event log (design.md property 2): Adj-RIB-In per neighbor
 * keyed by (pattern, valid_from), each pattern's timeline (the best route by §4.4 at every instant
 * from now on, timeline.ts), and the changes of those timelines, one per interval. The "now" view
 * (what forwards at the recorded clock) is the timeline read at the clock. `apply` reads nothing but its state and the
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
  readonly #slots = new Map<string, Stored>();
  #bestCount = 0;
  #sessions = new NeighborSessions();
  /** Every stale mark still pending, per neighbor: a second session loss adds one, never moves the first. */
  readonly #stale = new Map<string, Stale[]>();
  readonly #edges = new EdgeHeap<Edge>();
  /** Edges still in the heap whose route has gone: compacted away once they are half of it. */
  #deadEdges = 0;
  /**
   * The checkpoint's operations since the last `takeStoreOps`; undefined in a Loc-RIB no checkpoint
   * follows (an audit replay), which then makes none: a replay of a million routes held a million
   * of them, a fifth of its time.
   */
  #storeOps: StoreOp[] | undefined;

  constructor(localAd: string, options: { readonly checkpointed?: boolean } = {}) {
    this.localAd = localAd;
    this.#storeOps = options.checkpointed ? [] : undefined;
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

  /** Patterns with a best route now. */
  get size(): number {
    return this.#bestCount;
  }

  /** The pattern's routes and timeline, if it has any. */
  #slot(pattern: string): Slot | undefined {
    const stored = this.#slots.get(pattern);
    return stored && slotOf(stored);
  }

  /** The pattern's best route at the recorded clock, as received. */
  best(pattern: string): RibRoute | undefined {
    const slot = this.#slot(pattern);
    const winner = slot && intervalAt(intervalsOf(slot[0]), this.#now)?.winner;
    return winner && routeOf(pattern, winner);
  }

  /** The best route now of every pattern that has one, by pattern. */
  *entries(): IterableIterator<[pattern: string, route: RibRoute]> {
    const patterns = [...this.#slots.keys()].sort();
    for (const pattern of patterns) {
      const best = this.best(pattern);
      if (best) yield [pattern, best];
    }
  }

  /** The pattern's timeline from now on: who wins each interval, in time order. */
  timeline(pattern: string): readonly TimelineInterval[] {
    const slot = this.#slot(pattern);
    return (slot ? intervalsOf(slot[0]) : []).map((i) => ({ from: finite(i.from), until: finite(i.until), route: routeOf(pattern, i.winner) }));
  }

  /** Every pattern with a timeline, by pattern. */
  patterns(): string[] {
    return [...this.#slots.keys()].filter((p) => intervalsOf(this.#slot(p)![0]).length > 0).sort();
  }

  /**
   * Every route for a pattern as it stands at the instant `at` (default: the recorded clock, past
   * or future): those inside their window ranked with why each lost, the others with why not.
   */
  explain(pattern: string, at: number = this.#now): { readonly ranked: readonly Ranked[]; readonly unusable: readonly Unusable[] } {
    const slot = this.#slot(pattern);
    const all = (slot ? routesIn(slot) : []).map((a) => routeOf(pattern, a));
    return {
      ranked: bestPath(all.filter((r) => inWindow(r, at))),
      unusable: all
        .filter((r) => !inWindow(r, at))
        .map((route) => ({ route, why: route.validFrom !== undefined && at < route.validFrom ? 'not yet valid' : 'expired' })),
    };
  }

  /** Every interval of every timeline as a change from nothing, in pattern order: the whole Loc-RIB for a consumer that never had it. */
  resync(): LocRibChange[] {
    const changes: LocRibChange[] = [];
    for (const pattern of [...this.#slots.keys()].sort()) changesBetween(pattern, [], intervalsOf(this.#slot(pattern)![0]), this.#lastSeq, this.#now, changes);
    return changes;
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
    const was = this.#now;
    const before = event.type === 'neighbor-up' ? this.#sessions.current(event.neighbor) : undefined;
    // An older session's late word: applied as nothing, its sequence passed.
    if (!this.#sessions.admit(event)) return [];
    const touched: Touched = new Map();
    // A session's end does nothing else in its event: each pattern it leaves is ranked as it is left.
    const ended: ChangesOut = { causeSeq: event.seq, changes: [] };
    switch (event.type) {
      case 'neighbor-up': {
        // The same session's up again (a copy) ends nothing.
        const again = event.session !== undefined && before?.session === event.session;
        if (!again && this.#holdsUnended(event.neighbor)) this.#neighborDown(event.neighbor, event.staleUntil, event.seq, ended);
        const now = this.#sessions.current(event.neighbor);
        if (now !== undefined && now !== before) this.#storeOps?.push({ op: 'session', neighbor: event.neighbor, ...now });
        break;
      }
      case 'neighbor-down':
        this.#neighborDown(event.neighbor, event.staleUntil, event.seq, ended);
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
    return this.#rank(touched, event.seq, was, ended.changes);
  }

  /** The store operations since the last call, for the checkpoint of the batch just applied. */
  takeStoreOps(): StoreOp[] {
    const ops = this.#storeOps;
    if (!ops) throw new Error('this Loc-RIB was made without checkpointed: it records no store operations');
    this.#storeOps = [];
    return ops;
  }

  snapshot(): LocRibSnapshot {
    const advertisements = new Set<RibAdvertisement>();
    const routes: [string, number, number][] = [];
    for (const [pattern, stored] of this.#slots) {
      for (const held of routesIn(slotOf(stored))) {
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
    const rib = new LocRib(snapshot.localAd, { checkpointed: true });
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
    for (const pattern of [...rib.#slots.keys()]) rib.#rerank(pattern, -Infinity, rib.#now);
    rib.#storeOps = [];
    return rib;
  }

  /** §5.3: an advertisement whose AD_PATH holds our AD is discarded and counted, and replaces (withdraws) its routes. */
  #accept(event: RibEvent & { type: 'update' }, accepted: AcceptedAdvertisement, index: number, touched: Touched): void {
    const { patterns, rules: _, ...attributes } = accepted;
    if (accepted.adPath.includes(this.localAd)) {
      this.#loopsDropped += patterns.length;
      for (const pattern of patterns) this.#remove(pattern, event.neighbor, accepted.validFrom, touched);
      return;
    }
    // Ended before it arrived: it can never be usable, and held it could reshape the timeline's past.
    if (accepted.validUntil !== undefined && accepted.validUntil <= this.#now) {
      for (const pattern of patterns) this.#remove(pattern, event.neighbor, accepted.validFrom, touched);
      return;
    }
    const held = Held.of({ ...attributes, neighbor: event.neighbor, peerAd: event.peerAd, receivedSeq: event.seq, index });
    this.#storeOps?.push({ op: 'advertisement', advertisement: held });
    for (const pattern of patterns) this.#insert(pattern, held, touched);
    // It named no pattern: nothing holds it.
    if (held.unheld) this.#storeOps?.push({ op: 'drop-advertisement', advertisement: held });
  }

  /** `touched` undefined: restoring, nothing to record. A route the neighbor had for the same key is replaced in place. */
  #insert(pattern: string, held: HeldAdvertisement, touched: Touched | undefined): void {
    const slot = this.#slot(pattern) ?? NO_ROUTES;
    const at = touched ? placeOf(slot, held.neighbor, held.validFrom) : -1;
    // The advertisement named the pattern twice: it holds it already.
    if (at > 0 && slot[at] === held) return;
    if (at > 0) this.#dropped(pattern, heldAt(slot, at));
    this.#slots.set(pattern, storedOf((at > 0 ? slot.with(at, held) : slot.toSpliced(placeFor(slot, held), 0, held)) as unknown as Slot));
    held.hold();
    if (held.validFrom !== undefined && held.validFrom > this.#now) this.#edges.push(held.validFrom, { kind: 'window', pattern, held });
    if (held.validUntil !== undefined && held.validUntil > this.#now) this.#edges.push(held.validUntil, { kind: 'window', pattern, held });
    if (!touched) return;
    this.#storeOps?.push({ op: 'put', pattern, advertisement: held });
    this.#changed(pattern, startOf(held), touched);
  }

  /** The route a neighbor has for a pattern and valid_from, if any, leaves (§6.6; unknown: nothing happens). */
  #remove(pattern: string, neighbor: string, validFrom: number | undefined, touched: Touched): void {
    const slot = this.#slot(pattern);
    const at = slot ? placeOf(slot, neighbor, validFrom) : -1;
    if (at > 0) this.#removeAt(pattern, slot!, at, touched);
  }

  /** `at` ≥ 1: the place of the route in its slot. */
  #removeAt(pattern: string, slot: Slot, at: number, touched: Touched): void {
    this.#dropped(pattern, heldAt(slot, at));
    this.#slots.set(pattern, storedOf(slot.toSpliced(at, 1) as unknown as Slot));
    this.#changed(pattern, startOf(heldAt(slot, at)), touched);
  }

  #changed(pattern: string, from: number, touched: Touched): void {
    const earliest = touched.get(pattern);
    if (earliest === undefined || from < earliest) touched.set(pattern, from);
  }

  /** A route left its slot: its row goes, and its advertisement's with the last of its patterns. */
  #dropped(pattern: string, held: HeldAdvertisement): void {
    this.#storeOps?.push({ op: 'delete', pattern, advertisement: held });
    if (held.release()) this.#storeOps?.push({ op: 'drop-advertisement', advertisement: held });
    // Its edges ahead of the clock are still in the heap (those behind it were taken): a peer
    // re-announcing scheduled routes must not grow the heap without bound.
    this.#deadEdges += Number(held.validFrom !== undefined && held.validFrom > this.#now) + Number(held.validUntil !== undefined && held.validUntil > this.#now);
    if (this.#deadEdges > 1_024 && this.#deadEdges * 2 > this.#edges.size) {
      this.#edges.retain((edge) => this.#live(edge));
      this.#deadEdges = 0;
    }
  }

  /** Immediately, or after the stale time: then only the routes it has not announced again since. */
  #neighborDown(neighbor: string, staleUntil: number | undefined, seq: number, ended: ChangesOut): void {
    if (staleUntil === undefined || staleUntil <= this.#now) return this.#dropOlder(neighbor, seq, ended);
    this.#markStale(neighbor, { until: staleUntil, downSeq: seq });
  }

  /** Whether the neighbor holds routes no session loss has marked stale yet (a scan, as for a session loss: once per session-up). */
  #holdsUnended(neighbor: string): boolean {
    const lastDown = Math.max(0, ...(this.#stale.get(neighbor) ?? []).map((s) => s.downSeq));
    // An ended route kept only as the name of an interval's start (#rerank) ends no session.
    const unended = (held: HeldAdvertisement) => held.neighbor === neighbor && held.receivedSeq > lastDown && endOf(held) > this.#now;
    for (const stored of this.#slots.values()) {
      // A full table's route alone: a million patterns scanned make no slot each.
      if (alone(stored)) {
        if (unended(stored)) return true;
        continue;
      }
      for (let at = 1; at < stored.length; at++) if (unended(heldAt(stored as Slot, at))) return true;
    }
    return false;
  }


  #markStale(neighbor: string, stale: Stale): void {
    this.#stale.set(neighbor, [...(this.#stale.get(neighbor) ?? []), stale]);
    this.#storeOps?.push({ op: 'stale', neighbor, until: stale.until, downSeq: stale.downSeq });
    this.#edges.push(stale.until, { kind: 'stale', neighbor, stale });
  }

  /**
   * The neighbor's routes received before `seq` leave. Into a Touched map when the event goes on
   * to touch patterns again (a clock event's later edges); else each pattern left is ranked at
   * once (`ChangesOut`), which spares a session loss of a million routes its million-entry map.
   */
  #dropOlder(neighbor: string, seq: number, into: Touched | ChangesOut): void {
    for (const [pattern, stored] of this.#slots) {
      // Another neighbor's or a later route alone (a full table's pattern): nothing to drop, no slot made.
      if (alone(stored) && (stored.neighbor !== neighbor || stored.receivedSeq >= seq)) continue;
      const slot = slotOf(stored);
      let left = slot;
      let from = Infinity;
      for (let at = slot.length - 1; at >= 1; at--) {
        const held = heldAt(slot, at);
        if (held.neighbor !== neighbor || held.receivedSeq >= seq) continue;
        this.#dropped(pattern, held);
        left = left.toSpliced(at, 1) as unknown as Slot;
        from = Math.min(from, startOf(held));
      }
      if (left === slot) continue;
      if (into instanceof Map) {
        this.#slots.set(pattern, storedOf(left));
        this.#changed(pattern, from, into);
      } else this.#rerank(pattern, from, this.#now, into, left);
    }
  }

  /** The clock moved (never backwards): routes cross their window edges, stale routes expire. */
  #advance(now: number, touched: Touched): void {
    this.#now = Math.max(this.#now, now);
    for (let time = this.#edges.peekTime(); time !== undefined && time <= this.#now; time = this.#edges.peekTime()) {
      const edge = this.#edges.pop()!;
      if (!this.#live(edge)) {
        this.#deadEdges = Math.max(0, this.#deadEdges - 1);
        continue;
      }
      // A route past its valid_until goes when its pattern is ranked (#rerank).
      if (edge.kind === 'window') touched.set(edge.pattern, touched.get(edge.pattern) ?? Infinity);
      else {
        const left = (this.#stale.get(edge.neighbor) ?? []).filter((s) => s !== edge.stale);
        if (left.length > 0) this.#stale.set(edge.neighbor, left);
        else this.#stale.delete(edge.neighbor);
        this.#storeOps?.push({ op: 'unstale', neighbor: edge.neighbor, downSeq: edge.stale.downSeq });
        this.#dropOlder(edge.neighbor, edge.stale.downSeq, touched);
      }
    }
  }

  /** An edge still matters if its route is still held, or its stale mark still stands. */
  #live(edge: Edge): boolean {
    return edge.kind === 'window' ? (this.#slot(edge.pattern)?.includes(edge.held, 1) ?? false) : (this.#stale.get(edge.neighbor)?.includes(edge.stale) ?? false);
  }

  /** The interval changes of the touched patterns, and those ranked already, in pattern order so that every run emits the same stream. */
  #rank(touched: Touched, causeSeq: number, was: number, ranked: LocRibChange[]): LocRibChange[] {
    const changes: LocRibChange[] = [];
    for (const pattern of [...touched.keys()].sort()) this.#rerank(pattern, touched.get(pattern)!, was, { causeSeq, changes });
    if (ranked.length === 0) return changes;
    // Stable: a pattern's changes stay in time order.
    return [...ranked, ...changes].sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0));
  }

  /**
   * The pattern's timeline anew, and how its intervals changed (`was`: the clock they were made
   * at). Routes past their valid_until can never be usable again (the clock never goes back) and
   * go, but for one: the route whose end is where the interval under way began. It is kept while
   * that interval lasts, because that start is the interval's name: without it the interval would
   * be renamed (withdrawn and announced again to every peer) at every pass of a scheduled route
   * over an unscheduled one (docs/spec-notes.md §6.5). A pattern left with no route goes. `left`:
   * the pattern's routes as the caller left them, a slot of its own not yet in the map.
   */
  #rerank(pattern: string, changedFrom: number, was: number, out?: ChangesOut, left?: Slot): void {
    const current = left ? undefined : this.#slots.get(pattern);
    let slot = left ?? (current && slotOf(current));
    if (!slot) return;
    const previous = slot[0];
    let timeline = timelineFor(slot, this.#now, previous, changedFrom);
    const first = Array.isArray(timeline) ? timeline[0] : timeline;
    const startedAt = first === undefined ? NaN : !Array.isArray(timeline) ? -Infinity : first.from <= this.#now ? first.from : NaN;
    let pruned = false;
    for (let at = slot.length - 1; at >= 1; at--) {
      const held = heldAt(slot, at);
      if (endOf(held) > this.#now || endOf(held) === startedAt) continue;
      this.#dropped(pattern, held);
      slot = slot.toSpliced(at, 1) as unknown as Slot;
      pruned = true;
    }
    // An expired route shaped only the past: without it only the start of an interval under way can move.
    if (pruned && !Number.isNaN(startedAt)) timeline = timelineFor(slot, this.#now, timeline, -Infinity);
    if (slot.length === 1) this.#slots.delete(pattern);
    else if (pruned) this.#slots.set(pattern, storedOf(slot.with(0, timeline) as unknown as Slot));
    else {
      // The slot is this pattern's own (the map's, `left` or made from the route alone): its timeline is replaced where it is.
      (slot as unknown as Timeline[])[0] = timeline;
      const stored = storedOf(slot);
      if (stored !== current) this.#slots.set(pattern, stored);
    }
    if (!Array.isArray(previous) && !Array.isArray(timeline)) {
      // Both short forms, each one interval over all time or none: what changesBetween answers, without making the intervals.
      this.#bestCount += Number(timeline !== undefined) - Number(previous !== undefined);
      if (out && timeline !== previous) out.changes.push({ pattern, best: timeline as HeldAdvertisement | undefined, previous: previous as HeldAdvertisement | undefined, causeSeq: out.causeSeq, at: this.#now });
      return;
    }
    const before = intervalsOf(previous);
    const after = intervalsOf(timeline);
    this.#bestCount += Number(intervalAt(after, this.#now) !== undefined) - Number(intervalAt(before, was) !== undefined);
    if (out) changesBetween(pattern, before, after, out.causeSeq, this.#now, out.changes);
  }
}

/**
 * Interval by interval, in time order, added to `changes`: one whose winner or end changed, one
 * that came, one that went (ended, or taken over). An interval that only began (the clock reached
 * it) is no change: every consumer has held it, with its window, since it was known.
 */
function changesBetween(
  pattern: string,
  before: readonly Interval<HeldAdvertisement>[],
  after: readonly Interval<HeldAdvertisement>[],
  causeSeq: number,
  at: number,
  changes: LocRibChange[],
): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const old = before[i];
    const now = after[j];
    const from = Math.min(old?.from ?? Infinity, now?.from ?? Infinity);
    const was = old?.from === from ? (i++, old) : undefined;
    const is = now?.from === from ? (j++, now) : undefined;
    if (was === is || (was?.winner === is?.winner && was?.until === is?.until)) continue;
    changes.push({ pattern, best: is && clipped(is), previous: was && clipped(was), causeSeq, at });
  }
}
