import { parsePattern, patternToWire } from '#libs/eid';
import { nextHopOf } from '#libs/fib-export';
import { attributesOf, isScheduled, originAd, type RibAdvertisement, type RouteAttributes } from '#libs/rib';
import { chainsFor, type ExportPolicy } from './policy.ts';
import { runChains } from './rules.ts';

/** What export policy decided for one Loc-RIB route and one peer: the route as sent, or why it is not. */
export type ExportDecision =
  | { readonly export: true; readonly attributes: RouteAttributes; readonly rules: readonly string[] }
  | { readonly export: false; readonly rule: string; readonly reason: string };

/**
 * A Loc-RIB route (an interval's winner) as we send it to a peer AD (§5.3, §4.3, §6.4, §6.7): never to the AD it was
 * learned from, nor to one already on its AD_PATH (it would discard it), nor when §7.6 has no form
 * for its pattern; then through the export
 * chains that name the peer, which see the route as our Loc-RIB holds it; sent with our AD
 * prepended to its AD_PATH (a locally originated route's path is our AD alone), its metric, windows
 * and transitive attributes unchanged, and our gateway (`export.gateway_eid`, or none, so the peer
 * derives `dtn://<our AD>/`) unless a rule keeps the route's own or sets another.
 */
export function exportRoute(policy: ExportPolicy, localAd: string, peerAd: string, pattern: string, best: RibAdvertisement): ExportDecision {
  if (best.peerAd === peerAd) return { export: false, rule: 'from-peer', reason: `learned from ${peerAd}: never sent back to the AD it came from` };
  if (best.adPath.includes(peerAd)) return { export: false, rule: 'ad-path', reason: `${peerAd} is on its AD_PATH (${best.adPath.join(' ')}) and would discard it (§5.3)` };
  const parsed = parsePattern(pattern);
  if (!parsed.ok) return { export: false, rule: 'invalid-pattern', reason: parsed.error.message };
  // A node range, a service or a path: §7.6 cannot carry it, so it stays in our own FIB (docs/spec-notes.md, draft -01).
  const wire = patternToWire(parsed.value);
  if (!wire.ok) return { export: false, rule: 'no-wire-form', reason: wire.error.reason };
  const outcome = runChains(chainsFor(policy.chains, peerAd), { pattern: parsed.value, origin: originAd(best), peerAd: best.peerAd, scheduled: isScheduled(best) }, attributesOf(best));
  if (outcome.then === 'reject') return { export: false, rule: outcome.rules.at(-1)!, reason: outcome.reason! };
  if (outcome.then === undefined && policy.default === 'reject') return { export: false, rule: 'default', reason: 'no rule accepted it, and the export default is reject' };
  const gatewayEid = outcome.gatewayRule === undefined ? policy.gatewayEid : outcome.gatewayRule.keepGateway ? nextHopOf(best) : outcome.attributes.gatewayEid;
  return { export: true, attributes: { ...outcome.attributes, adPath: [localAd, ...best.adPath], gatewayEid }, rules: outcome.rules };
}
