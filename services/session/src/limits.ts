import { refill } from '#libs/session';

/** §9.4 limits the shell measures (the FSM checks message rate and patterns per update itself). */
export interface SpeakerLimits {
  /** Largest PeerMessage accepted, in bytes. */
  readonly maxMessageBytes: number;
  /** Concurrent sessions a Responder serves. */
  readonly maxSessions: number;
  /** New sessions per second a Responder accepts on average, and the burst above it. */
  readonly connectionRate: { readonly perSecond: number; readonly burst: number };
}

export const DEFAULT_LIMITS: SpeakerLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxSessions: 1_000,
  connectionRate: { perSecond: 10, burst: 50 },
};

/** A token bucket: `take(now)` answers whether one more event fits the rate. */
export function tokenBucket(rate: { readonly perSecond: number; readonly burst: number }, now: number): { take(now: number): boolean } {
  let tokens = rate.burst;
  let at = now;
  return {
    take: (t) => {
      tokens = refill(tokens, at, t, rate);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
