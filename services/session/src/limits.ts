import { refill } from '#libs/session';

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
