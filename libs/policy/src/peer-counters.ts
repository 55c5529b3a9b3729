import { NotificationCode } from '#libs/session';
import type { RibEvent } from '#libs/rib';
import type { ExportDecision } from './evaluate-export.ts';

/** One peer AD's route counters, in the spirit of BIRD's route change statistics. */
export interface PeerCounters {
  readonly peerAd: string;
  sessionsUp: number;
  sessionsDown: number;
  /** Sessions ended with LIMIT_ROUTES (§9.4, action teardown). */
  limitTeardowns: number;
  /** RouteUpdates received, and the routes they announced and withdrew. */
  updates: number;
  announced: number;
  withdrawn: number;
  /** Import decisions: routes accepted, and refused by rule (`route-limit`: dropped over the route limit). */
  accepted: number;
  readonly rejected: Record<string, number>;
  /** Loc-RIB routes export policy sends the peer now, and those it does not, by rule. */
  exported: number;
  readonly filtered: Record<string, number>;
}

/**
 * Counters per peer AD, folded from what dpp logs: the peer events (sessions, updates), the RIB
 * input (every import decision, soft reconfigurations included) and the export decisions for the
 * Loc-RIB now. Pure: the CLI feeds it what it reads.
 */
export class CounterFold {
  readonly #peers = new Map<string, PeerCounters>();

  #of(peerAd: string): PeerCounters {
    let counters = this.#peers.get(peerAd);
    if (!counters) {
      counters = { peerAd, sessionsUp: 0, sessionsDown: 0, limitTeardowns: 0, updates: 0, announced: 0, withdrawn: 0, accepted: 0, rejected: {}, exported: 0, filtered: {} };
      this.#peers.set(peerAd, counters);
    }
    return counters;
  }

  /** A peer event as the log has it (`kind`, `code`), with its routes as `passThroughImport` reads them. */
  peerEvent(peerAd: string, kind: 'session-up' | 'session-down' | 'route-update', code: number | undefined, routes: RibEvent | undefined): void {
    const c = this.#of(peerAd);
    if (kind === 'session-up') c.sessionsUp++;
    if (kind === 'session-down') {
      c.sessionsDown++;
      if (code === NotificationCode.LIMIT_ROUTES) c.limitTeardowns++;
    }
    if (kind === 'route-update' && routes?.type === 'update') {
      c.updates++;
      c.announced += routes.accepted.reduce((n, a) => n + a.patterns.length, 0) + routes.rejected.length;
      c.withdrawn += routes.withdrawn.reduce((n, w) => n + w.patterns.length, 0);
    }
  }

  /** A verdict of the RIB input. */
  verdict(event: RibEvent): void {
    if (event.type !== 'update') return;
    const c = this.#of(event.peerAd);
    c.accepted += event.accepted.reduce((n, a) => n + a.patterns.length, 0);
    for (const r of event.rejected) c.rejected[r.rule] = (c.rejected[r.rule] ?? 0) + 1;
  }

  /** What export policy decides for one Loc-RIB route and a peer. */
  exported(peerAd: string, decision: ExportDecision): void {
    const c = this.#of(peerAd);
    if (decision.export) c.exported++;
    else c.filtered[decision.rule] = (c.filtered[decision.rule] ?? 0) + 1;
  }

  counters(): PeerCounters[] {
    return [...this.#peers.values()].sort((a, b) => (a.peerAd < b.peerAd ? -1 : 1));
  }
}
