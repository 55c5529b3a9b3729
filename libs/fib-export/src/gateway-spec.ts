import type { RibAdvertisement } from '#libs/rib';
import type { TableTarget } from '#libs/tables';
import { fibEntryValue } from './fib-entry.ts';

/**
 * A gateway of our AD and the routes it is to receive (config). A gateway forwards only to next
 * hops it has links to: `fromPeers` keeps the routes learned from those peer ADs, `schemes` the
 * patterns of those EID schemes. Absent: all.
 */
export interface GatewaySpec {
  /** Its name: a NATS subject token ([A-Za-z0-9_-]). */
  readonly name: string;
  readonly fromPeers: readonly string[] | undefined;
  readonly schemes: readonly ('ipn' | 'dtn')[] | undefined;
}

/** Whether the gateway receives the route `a` gives `pattern`. */
export function receives(gateway: GatewaySpec, pattern: string, a: Pick<RibAdvertisement, 'peerAd'>): boolean {
  if (gateway.fromPeers !== undefined && !gateway.fromPeers.includes(a.peerAd)) return false;
  return gateway.schemes === undefined || gateway.schemes.some((scheme) => pattern.startsWith(`${scheme}:`));
}

/** A stable text of what decides a gateway's table, its entries' value version included: when it changes, the table is rebuilt. */
export const fingerprintOf = (gateway: GatewaySpec): string =>
  JSON.stringify({ entry: 2, fromPeers: gateway.fromPeers === undefined ? null : [...gateway.fromPeers].sort(), schemes: gateway.schemes === undefined ? null : [...gateway.schemes].sort() });

/** A gateway's FIB as a table the Loc-RIB keeps (libs/tables): the FibEntry of each route it receives. */
export const gatewayTable = (gateway: GatewaySpec): TableTarget => ({
  name: gateway.name,
  fingerprint: fingerprintOf(gateway),
  entryOf: (pattern, best, causeSeq) => (receives(gateway, pattern, best) ? fibEntryValue(best, causeSeq) : undefined),
  takes: (pattern, best) => receives(gateway, pattern, best),
});
