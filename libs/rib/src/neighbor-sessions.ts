import type { RibEvent } from './rib-event.ts';

/** A neighbor's current session: its id and when it came up. */
export interface CurrentSession {
  readonly session: string;
  readonly since: number;
}

/**
 * Each neighbor's current session, from the session ids the RIB input carries. A neighbor has one
 * session at a time, so what an older one says after a newer came up changes nothing: its late
 * end (a liveness watch, our hold timer running out after the peer came back), its late updates
 * (its event outbox still resending), a late copy of its up. The last session stays current after
 * its end, so a still older one's end that lands later is passed over too. Events without a
 * session id (contact plans, soft reconfiguration's verdicts) count as ever. The Loc-RIB (whose
 * checkpoint keeps these), the Adj-RIB-In and `dpp explain` all decide by this one rule.
 */
export class NeighborSessions {
  readonly #current = new Map<string, CurrentSession>();

  constructor(entries: readonly (readonly [neighbor: string, session: string, since: number])[] = []) {
    for (const [neighbor, session, since] of entries) this.#current.set(neighbor, { session, since });
  }

  current(neighbor: string): CurrentSession | undefined {
    return this.#current.get(neighbor);
  }

  /** Whether the event counts; a neighbor-up that does makes its session the current one. */
  admit(event: RibEvent): boolean {
    if (event.type === 'clock' || event.session === undefined) return true;
    const current = this.#current.get(event.neighbor);
    if (event.type !== 'neighbor-up') return current === undefined || current.session === event.session;
    if (current !== undefined && current.session !== event.session && (event.since ?? 0) < current.since) return false;
    this.#current.set(event.neighbor, { session: event.session, since: event.since ?? 0 });
    return true;
  }

  /** In the order a checkpoint reads them back. */
  entries(): [neighbor: string, session: string, since: number][] {
    return [...this.#current].map(([n, c]): [string, string, number] => [n, c.session, c.since]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
