import { encodeExportedRoute } from '#libs/events';
import { chainsFor, exportRoute, type ExportPolicy } from '#libs/policy';
import type { TableTarget } from '#libs/tables';

/**
 * A peer AD's Adj-RIB-Out as a table the Loc-RIB keeps (libs/tables): each interval's winner
 * export policy sends it (its window the interval's: docs/spec-notes.md §6.5), as sent. Its
 * fingerprint holds everything `exportRoute` reads besides the route.
 */
export const peerTable = (name: string, policy: ExportPolicy, localAd: string, peerAd: string): TableTarget => ({
  name,
  fingerprint: JSON.stringify({ localAd, peerAd, default: policy.default, gatewayEid: policy.gatewayEid ?? null, chains: chainsFor(policy.chains, peerAd) }),
  entryOf: (pattern, best) => {
    const decision = exportRoute(policy, localAd, peerAd, pattern, best);
    return decision.export ? encodeExportedRoute(pattern, decision.attributes) : undefined;
  },
  takes: (pattern, best) => exportRoute(policy, localAd, peerAd, pattern, best).export,
});
