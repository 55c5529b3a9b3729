import type { AcceptedAdvertisement, RibEvent, RibRoute } from '#libs/rib';

/** An advertisement from `neighbor` for `patterns`, no attributes but those given. */
export const advertised = (neighbor: string, patterns: string | readonly string[], over: Partial<AcceptedAdvertisement> = {}): AcceptedAdvertisement => ({
  patterns: typeof patterns === 'string' ? [patterns] : patterns,
  adPath: [neighbor],
  metric: 0,
  gatewayEid: undefined,
  validFrom: undefined,
  validUntil: undefined,
  bandwidthBps: undefined,
  maxBundleSize: undefined,
  transitive: [],
  ...over,
});

/** A route from `neighbor` for `pattern`, no attributes but those given. */
export const ribRoute = (neighbor: string, pattern: string, over: Partial<RibRoute> = {}): RibRoute => {
  const { patterns: _, ...attributes } = advertised(neighbor, pattern);
  return { ...attributes, pattern, neighbor, peerAd: neighbor, receivedSeq: 0, index: 0, ...over };
};

/** A verdict on one update from `neighbor`: withdrawals first, then the advertisements. */
export const updateEvent = (
  seq: number,
  neighbor: string,
  withdrawn: readonly { pattern: string; validFrom?: number | undefined }[],
  accepted: readonly AcceptedAdvertisement[],
): Extract<RibEvent, { type: 'update' }> => ({
  type: 'update',
  seq,
  neighbor,
  peerAd: neighbor,
  withdrawn: withdrawn.map((w) => ({ patterns: [w.pattern], validFrom: w.validFrom })),
  accepted,
  rejected: [],
});
