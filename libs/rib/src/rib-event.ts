import type { RibRoute } from './rib-route.ts';

/**
 * What the RIB consumes: import-policy verdicts and the clock, each with the log sequence it
 * was read at. The policy service (or, until it lands, a pass-through stage) turns peer events
 * into these, so the RIB never reads raw peer input. Version 1.
 */
export type RibEvent =
  | { readonly type: 'neighbor-up'; readonly seq: number; readonly neighbor: string; readonly peerAd: string }
  /** The session ended; the neighbor's routes go now, or are kept (stale) until `staleUntil`. */
  | { readonly type: 'neighbor-down'; readonly seq: number; readonly neighbor: string; readonly staleUntil: number | undefined }
  /** One pattern of an announcement that import policy accepted. */
  | { readonly type: 'route-accepted'; readonly seq: number; readonly route: Omit<RibRoute, 'receivedSeq'> }
  /** §6.6: by pattern, and valid_from for a scheduled route. */
  | { readonly type: 'route-withdrawn'; readonly seq: number; readonly neighbor: string; readonly pattern: string; readonly validFrom: number | undefined }
  /** The service's clock, recorded when it crossed a window edge or a stale deadline (time as data). */
  | { readonly type: 'clock'; readonly seq: number; readonly now: number };

/** A change of the best route for a pattern: what the FIB export and the Adj-RIB-Out follow. */
export interface LocRibChange {
  readonly pattern: string;
  /** Undefined when the pattern has no usable route any more. */
  readonly best: RibRoute | undefined;
  readonly previous: RibRoute | undefined;
  /** The event that caused it, and the RIB's clock then. */
  readonly causeSeq: number;
  readonly at: number;
}
