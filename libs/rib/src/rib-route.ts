/**
 * One RouteAdvertisement (§6.1) as the RIB holds it: everything its patterns share: the neighbor it
 * came from, the path and the extensible attributes (§6.2, §6.3). One object serves all the
 * advertisement's patterns, so a route costs the RIB a reference, not a copy of its attributes.
 * Times are ms since the epoch.
 */
export interface RibAdvertisement {
  /** Who announced it: the peer AD and its speaker, so that two speakers of one AD are two neighbors. */
  readonly neighbor: string;
  readonly peerAd: string;
  readonly adPath: readonly string[];
  readonly metric: number;
  readonly gatewayEid: string | undefined;
  readonly validFrom: number | undefined;
  readonly validUntil: number | undefined;
  /** uint64 as decimal text, as on the wire. */
  readonly bandwidthBps: string | undefined;
  readonly maxBundleSize: number | undefined;
  /** Unknown attributes marked transitive (§6.4), carried unchanged; value in base64. */
  readonly transitive: readonly { readonly typeId: number; readonly value: string }[];
  /** The log sequence of the event that brought it: its age for §4.4 step 4, and its provenance. */
  readonly receivedSeq: number;
  /** Its place among the event's accepted advertisements: with `receivedSeq`, its identity. */
  readonly index: number;
  /**
   * Its own window, when this is an interval's winner with the window clipped to the interval
   * (libs/rib timeline.ts): what the route itself says, for policy (`has_window`).
   */
  readonly ownWindow?: { readonly validFrom: number | undefined; readonly validUntil: number | undefined };
}

/** A route: one pattern of an advertisement, in the canonical text of libs/eid formatPattern. */
export interface RibRoute extends RibAdvertisement {
  readonly pattern: string;
}

/** What an advertisement says of its routes (§6.2–§6.4), apart from who sent it and when. */
export type RouteAttributes = Omit<RibAdvertisement, 'neighbor' | 'peerAd' | 'receivedSeq' | 'index' | 'ownWindow'>;

/** A route of a peer's Adj-RIB-Out, as export policy made it: what the session sends for the pattern. */
export interface ExportedRoute {
  readonly pattern: string;
  readonly attributes: RouteAttributes;
}

/** The attributes alone, whole: a field JSON left out comes back undefined. */
export const attributesOf = (a: Partial<RouteAttributes> & Pick<RouteAttributes, 'adPath' | 'metric' | 'transitive'>): RouteAttributes => ({
  adPath: a.adPath,
  metric: a.metric,
  gatewayEid: a.gatewayEid,
  validFrom: a.validFrom,
  validUntil: a.validUntil,
  bandwidthBps: a.bandwidthBps,
  maxBundleSize: a.maxBundleSize,
  transitive: a.transitive,
});

/** An advertisement's own fields, without whatever else the object holding them carries. */
export const advertisementOf = (a: RibAdvertisement): RibAdvertisement => ({
  neighbor: a.neighbor,
  peerAd: a.peerAd,
  ...attributesOf(a),
  receivedSeq: a.receivedSeq,
  index: a.index,
});

/** The route an advertisement gives a pattern, as consumers of the RIB see it. */
export const routeOf = (pattern: string, a: RibAdvertisement): RibRoute => ({ pattern, ...advertisementOf(a) });

/** Whether the route itself has a window (§6.5), clipped to an interval or not. */
export const isScheduled = (a: RibAdvertisement): boolean => {
  const own = a.ownWindow ?? a;
  return own.validFrom !== undefined || own.validUntil !== undefined;
};

/** The AD that originated a route: the last of its AD_PATH (§5.3: each AD prepends itself). */
export const originAd = (a: RibAdvertisement): string => a.adPath[a.adPath.length - 1] ?? a.peerAd;

/** §6.5: a route is usable only inside [valid_from, valid_until). */
export const inWindow = (a: Pick<RibAdvertisement, 'validFrom' | 'validUntil'>, now: number): boolean =>
  (a.validFrom === undefined || a.validFrom <= now) && (a.validUntil === undefined || now < a.validUntil);
