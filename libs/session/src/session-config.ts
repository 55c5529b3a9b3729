/** What one speaker's sessions are held to; the speaker's config file provides it (issue 7). */
export interface SessionConfig {
  /** Our AD identity (§3.1), sent in our Hello (loop detection against it is the RIB's, §5.3). */
  readonly localAd: string;
  /** Our speaker's debug id (Hello.speaker_node_id). */
  readonly speakerId: string;
  /** The hold time we offer as Initiator (§8.2). */
  readonly holdTimeOffer: number;
  /** The hold times we accept as Responder, inclusive. */
  readonly holdTimeRange: readonly [min: number, max: number];
  /** How long a handshake may take before the session fails (ms). */
  readonly handshakeTimeoutMs: number;
  /** ADs we accept a Hello from ('any' accepts every authenticated AD). */
  readonly peers: ReadonlySet<string> | 'any';
  /**
   * ADs an operator disabled (dpp peer disable): refused with ADMINISTRATIVE_SHUTDOWN, accepted or
   * not. Asked when the Hello is read, so a view of the operator's current set serves.
   */
  readonly disabled?: Pick<ReadonlySet<string>, 'has'>;
  /** §9.4: most patterns in one RouteUpdate. */
  readonly maxPatternsPerUpdate: number;
  /** §9.4: messages per second a peer may send on average, and the burst above it. */
  readonly messageRate: { readonly perSecond: number; readonly burst: number };
  /**
   * Seconds a peer may take nothing we send before the session ends (BGP's send hold timer, RFC
   * 9687); default RFC 9687's: 8 minutes or twice the hold time, whichever is longer.
   */
  readonly sendHoldTime?: number;
}

export const DEFAULT_SESSION_CONFIG: Omit<SessionConfig, 'localAd' | 'speakerId' | 'peers'> = {
  holdTimeOffer: 90,
  holdTimeRange: [3, 65_535],
  handshakeTimeoutMs: 30_000,
  maxPatternsPerUpdate: 10_000,
  messageRate: { perSecond: 1_000, burst: 5_000 },
};
