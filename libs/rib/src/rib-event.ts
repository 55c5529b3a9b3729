import type { RibAdvertisement, RouteAttributes } from './rib-route.ts';

/** §6.6: a withdrawal names patterns and, for scheduled routes, their valid_from. */
export interface Withdrawal {
  readonly patterns: readonly string[];
  readonly validFrom: number | undefined;
}

/** An advertisement import policy accepted (possibly modified), with the patterns it holds. */
export interface AcceptedAdvertisement extends RouteAttributes {
  readonly patterns: readonly string[];
  /**
   * The import rules that matched it, in order (those that changed it, the one that accepted it;
   * `origin-invalid` when origin authorization found it invalid but let it in): for audit, in the
   * log only; the RIB does not keep them.
   */
  readonly rules?: readonly string[];
}

/** A route import policy refused, with the rule and why: kept in the log for `explain`, not in the RIB. */
export interface Rejection {
  readonly pattern: string;
  readonly rule: string;
  readonly reason: string;
}

/**
 * What the RIB consumes: import-policy verdicts and the clock, one event per log message, with
 * its sequence. The policy service (or, until it lands, the pass-through stage) turns each peer
 * event into one of these, so the RIB never reads raw peer input. Version 1.
 */
export type RibEvent =
  /**
   * A session came up. A neighbor has one session at a time: routes it still holds from an
   * earlier session, whose end was never logged (our session service killed and back before its
   * loss was noticed), are that session's, ended now as a lost transport ends one: kept stale
   * until `staleUntil`, or gone at once (docs/spec-notes.md, sites and liveness).
   */
  | {
      readonly type: 'neighbor-up';
      readonly seq: number;
      readonly neighbor: string;
      readonly peerAd: string;
      readonly staleUntil: number | undefined;
      /** Its session, and when it came up (the speaker's clock): what orders a late copy of an older session's up. */
      readonly session?: string;
      readonly since?: number;
    }
  /**
   * The session ended; the neighbor's routes go now, or are kept (stale) until `staleUntil`. The
   * end of a session older than the neighbor's current one (logged after the newer came up: a
   * liveness watch, a hold timer running out after the peer came back) changes nothing: the
   * newer session's up already ended it.
   */
  | { readonly type: 'neighbor-down'; readonly seq: number; readonly neighbor: string; readonly staleUntil: number | undefined; readonly session?: string }
  /**
   * The verdict on one RouteUpdate: its withdrawals (applied first, as BGP applies an UPDATE's),
   * then the advertisements import policy accepted. A large update may be split over several
   * verdicts, withdrawals first (docs/spec-notes.md, the RIB input).
   */
  | {
      readonly type: 'update';
      readonly seq: number;
      readonly neighbor: string;
      readonly peerAd: string;
      /** The session it came in (see neighbor-down): an older session's late update changes nothing. */
      readonly session?: string;
      readonly withdrawn: readonly Withdrawal[];
      readonly accepted: readonly AcceptedAdvertisement[];
      readonly rejected: readonly Rejection[];
    }
  /** The service's clock, recorded when it crossed a window edge or a stale deadline (time as data). */
  | { readonly type: 'clock'; readonly seq: number; readonly now: number };

/**
 * A change of one interval of a pattern's timeline (timeline.ts): what the FIB export and the
 * Adj-RIB-Out follow. The interval is named by its start, which is the valid_from of `best` and
 * `previous` alike: each is the winning advertisement with its window clipped to the interval.
 */
export interface LocRibChange {
  readonly pattern: string;
  /** What wins the interval now; undefined when the interval is gone (ended, or taken into others). */
  readonly best: RibAdvertisement | undefined;
  readonly previous: RibAdvertisement | undefined;
  /** The event that caused it, and the RIB's clock then. */
  readonly causeSeq: number;
  readonly at: number;
}
