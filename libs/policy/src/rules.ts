import { covers, type EidPattern } from '#libs/eid';
import type { RouteAttributes } from '#libs/rib';
import type { Chains, Condition, Rule } from './policy.ts';

/**
 * What a rule sees of a route besides its attributes: its pattern, origin AD, the neighbor AD it
 * came from, and whether it has a window of its own (an unscheduled route sent over an interval
 * between two passes carries that interval's window, and is still unscheduled).
 */
export interface RouteInView {
  readonly pattern: EidPattern;
  readonly origin: string;
  readonly peerAd: string;
  readonly scheduled: boolean;
}

/** Where the chains left a route: decided by a rule (or not), with the attributes after every rule that matched. */
export interface ChainsOutcome {
  readonly then: 'accept' | 'reject' | undefined;
  readonly attributes: RouteAttributes;
  /** The rules that matched, in order; the last decided when `then` is set. */
  readonly rules: readonly string[];
  readonly reason: string | undefined;
  /** The last rule that matched and set, stripped or kept the gateway_eid, if any. */
  readonly gatewayRule: Rule | undefined;
}

/**
 * A route through chains, rule after rule: a rule whose conditions all hold (on the attributes as
 * the rules before it left them) applies its `set` and `strip`, then decides or lets evaluation
 * go on.
 */
export function runChains(chains: Chains, route: RouteInView, attributes: RouteAttributes): ChainsOutcome {
  const rules: string[] = [];
  let gatewayRule: Rule | undefined;
  for (const chain of chains) {
    for (const rule of chain.rules) {
      if (!rule.conditions.every((c) => holds(c, { ...route, attributes }))) continue;
      attributes = modified(attributes, rule);
      if (rule.keepGateway || rule.set.gatewayEid !== undefined || rule.strip.includes('gateway_eid')) gatewayRule = rule;
      rules.push(rule.name);
      if (rule.then !== 'next') return { then: rule.then, attributes, rules, reason: rule.reason ?? `rule ${rule.name} matched`, gatewayRule };
    }
  }
  return { then: undefined, attributes, rules, reason: undefined, gatewayRule };
}

const within = (value: number | undefined, range: { readonly min: number | undefined; readonly max: number | undefined }): boolean =>
  value !== undefined && (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);

function holds(condition: Condition, route: RouteInView & { readonly attributes: RouteAttributes }): boolean {
  const { attributes: a } = route;
  switch (condition.kind) {
    case 'patterns-in':
      return condition.patterns.some((p) => covers(p, route.pattern));
    case 'ad-path-contains':
      return a.adPath.some((ad) => ad.toLowerCase() === condition.ad);
    case 'ad-path-length':
      return within(a.adPath.length, condition.range);
    case 'origin-ad':
      return condition.ads.includes(route.origin);
    case 'neighbor-ad':
      return condition.ads.includes(route.peerAd);
    case 'has-window':
      return route.scheduled === condition.value;
    case 'bandwidth-bps':
      // uint64 as text: compared as BigInt, so no rate above 2^53 rounds into or out of a range.
      return a.bandwidthBps !== undefined && (condition.range.min === undefined || BigInt(a.bandwidthBps) >= BigInt(condition.range.min)) && (condition.range.max === undefined || BigInt(a.bandwidthBps) <= BigInt(condition.range.max));
    case 'max-bundle-size':
      return within(a.maxBundleSize, condition.range);
    default:
      return condition satisfies never;
  }
}

function modified(a: RouteAttributes, rule: Rule): RouteAttributes {
  const stripped = new Set(rule.strip);
  return {
    ...a,
    ...rule.set,
    ...(stripped.has('gateway_eid') ? { gatewayEid: undefined } : {}),
    ...(stripped.has('bandwidth_bps') ? { bandwidthBps: undefined } : {}),
    ...(stripped.has('max_bundle_size') ? { maxBundleSize: undefined } : {}),
    ...(stripped.has('transitive') ? { transitive: [] } : {}),
  };
}
