import { spkiBase64 } from './ad-key.ts';
import { ED25519, type DtnSvcParams } from './svcb-params.ts';

/**
 * The SVCB record an AD publishes for a key (§5.1), in the zone-file form knot, nsd and bind
 * accept. `priority` orders per-speaker records (§5.1.1); the target '.' is the AD itself.
 */
export const svcbZoneLine = (ad: string, publicKey: Uint8Array, params: DtnSvcParams, priority = 1): string =>
  `_dtn_domain.${ad.replace(/\.$/, '')}. IN SVCB ${priority} . key${params.alg}="${ED25519}" key${params.pubkey}="${spkiBase64(publicKey)}"`;
