import { covers, overlaps, parsePattern, type EidPattern } from '#libs/eid';
import { attributesOf, type AcceptedAdvertisement, type Rejection, type RibEvent, type RouteAttributes, type Withdrawal } from '#libs/rib';
import { chainsFor, setText, type Chains, type ImportPolicy } from './policy.ts';
import { runChains } from './rules.ts';

type UpdateVerdict = Extract<RibEvent, { type: 'update' }>;

/** What the import policy decided for one route, and by which rule. */
type RouteDecision =
  | { readonly accept: true; readonly attributes: RouteAttributes; readonly rules: readonly string[] }
  | { readonly accept: false; readonly rule: string; readonly reason: string };

/**
 * A verdict under the import policy: each route (one pattern of an advertisement) is checked for
 * origin authorization (§9.3), then goes through the chains that apply to its peer, rule after
 * rule; a rule that matches may change attributes (`set`, `strip`) and accept or reject. A route
 * no rule decides gets the default. Accepted routes that came out alike stay one advertisement;
 * a refused one is a rejection naming the rule and why, so `dpp explain` can say it, and it
 * withdraws what the neighbor had for that pattern and window (as BGP treats a refused update):
 * the neighbor no longer offers a route policy takes.
 */
export function applyImportPolicy(policy: ImportPolicy, verdict: UpdateVerdict): UpdateVerdict {
  const peerAd = verdict.peerAd.toLowerCase();
  const chains = chainsFor(policy.chains, peerAd);
  const accepted: AcceptedAdvertisement[] = [];
  const rejected: Rejection[] = [...verdict.rejected];
  const refusedWindows = new Map<number | undefined, string[]>();
  for (const advertisement of verdict.accepted) {
    const alike = new Map<string, { attributes: RouteAttributes; patterns: string[]; rules: readonly string[] }>();
    for (const text of advertisement.patterns) {
      const parsed = parsePattern(text);
      const decision = parsed.ok ? decideRoute(policy, chains, peerAd, advertisement, parsed.value, text) : { accept: false as const, rule: 'invalid-pattern', reason: parsed.error.message };
      if (!decision.accept) {
        rejected.push({ pattern: text, rule: decision.rule, reason: decision.reason });
        refusedWindows.set(advertisement.validFrom, [...(refusedWindows.get(advertisement.validFrom) ?? []), text]);
        continue;
      }
      const key = decision.rules.join('\n');
      const group = alike.get(key);
      if (group) group.patterns.push(text);
      else alike.set(key, { attributes: decision.attributes, patterns: [text], rules: decision.rules });
    }
    for (const { attributes, patterns, rules } of alike.values()) accepted.push({ ...attributes, patterns, ...(rules.length > 0 ? { rules } : {}) });
  }
  const withdrawn: Withdrawal[] = [...verdict.withdrawn, ...[...refusedWindows].map(([validFrom, patterns]) => ({ patterns, validFrom }))];
  return { ...verdict, withdrawn, accepted, rejected };
}

/** One route through origin authorization and the chains. */
function decideRoute(policy: ImportPolicy, chains: Chains, peerAd: string, advertisement: RouteAttributes, pattern: EidPattern, text: string): RouteDecision {
  const origin = (advertisement.adPath.at(-1) ?? peerAd).toLowerCase();
  let flagged: string[] = [];
  if (policy.origins) {
    // An entry speaks for a route that may take any of its traffic (ipn ranges and dtn wildcards
    // can overlap without one covering the other); the route is valid only when one of its
    // origin's entries covers it whole.
    const concerned = policy.origins.table.candidates(pattern).filter((entry) => entry.patterns.some((p) => overlaps(p, pattern)));
    const valid = concerned.some((entry) => entry.origin === origin && entry.patterns.some((p) => covers(p, pattern)));
    if (concerned.length > 0 && !valid && policy.origins.onInvalid === 'reject') {
      return { accept: false, rule: 'origin-authorization', reason: `origin ${origin} is not authorized for ${text}; authorized: ${concerned.map((e) => `${e.origin} (${setText(e.patterns)})`).join('; ')}` };
    }
    // Let in, but flagged in the log for the operator (`on_invalid: accept`).
    if (concerned.length > 0 && !valid) flagged = ['origin-invalid'];
  }
  const { then, attributes, rules, reason } = runChains(chains, { pattern, origin, peerAd, scheduled: advertisement.validFrom !== undefined || advertisement.validUntil !== undefined }, attributesOf(advertisement));
  if (then === 'reject') return { accept: false, rule: rules.at(-1)!, reason: reason! };
  if (then === 'accept' || policy.default === 'accept') return { accept: true, attributes, rules: [...flagged, ...rules] };
  return { accept: false, rule: 'default', reason: 'no rule accepted it, and the import default is reject' };
}

