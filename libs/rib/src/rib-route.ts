/**
 * A route as the RIB keeps it: one pattern of one announcement (§6.1), from one neighbor, with the
 * path and extensible attributes it came with (§6.2, §6.3). Times are ms since the epoch.
 */
export interface RibRoute {
  /** Who announced it: the peer AD and its speaker, so that two speakers of one AD are two neighbors. */
  readonly neighbor: string;
  readonly peerAd: string;
  /** The canonical pattern text (libs/eid formatPattern). */
  readonly pattern: string;
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
}

/** §6.6: a neighbor's route is identified by its pattern and, for a scheduled route, its valid_from. */
export const routeKey = (pattern: string, validFrom: number | undefined): string => (validFrom === undefined ? pattern : `${pattern}@${validFrom}`);

/** The AD that originated a route: the last of its AD_PATH (§5.3: each AD prepends itself). */
export const originAd = (route: RibRoute): string => route.adPath[route.adPath.length - 1] ?? route.peerAd;

/** §6.5: a route is usable only inside [valid_from, valid_until). */
export const inWindow = (route: RibRoute, now: number): boolean =>
  (route.validFrom === undefined || route.validFrom <= now) && (route.validUntil === undefined || now < route.validUntil);
