import type { RibRoute } from '#libs/rib';

/** A route from `neighbor` for `pattern`, no attributes but those given. */
export const ribRoute = (neighbor: string, pattern: string, over: Partial<RibRoute> = {}): RibRoute => ({
  neighbor,
  peerAd: neighbor,
  pattern,
  adPath: [neighbor],
  metric: 0,
  gatewayEid: undefined,
  validFrom: undefined,
  validUntil: undefined,
  bandwidthBps: undefined,
  maxBundleSize: undefined,
  transitive: [],
  receivedSeq: 0,
  ...over,
});
