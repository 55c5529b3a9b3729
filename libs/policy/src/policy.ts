import { Result } from 'effect';
import { formatPattern, parseEid, parsePattern, type EidPattern } from '#libs/eid';
import { adName } from '#libs/identity';
import { OriginTable } from './origin-table.ts';
import type { PolicyFile } from './policy-file.ts';

type Range = { readonly min: number | undefined; readonly max: number | undefined };

/** A condition of a rule, with its pattern set resolved. */
export type Condition =
  | { readonly kind: 'patterns-in'; readonly set: string; readonly patterns: readonly EidPattern[] }
  | { readonly kind: 'ad-path-contains'; readonly ad: string }
  | { readonly kind: 'ad-path-length'; readonly range: Range }
  | { readonly kind: 'origin-ad'; readonly ads: readonly string[] }
  | { readonly kind: 'neighbor-ad'; readonly ads: readonly string[] }
  | { readonly kind: 'has-window'; readonly value: boolean }
  | { readonly kind: 'bandwidth-bps'; readonly range: Range }
  | { readonly kind: 'max-bundle-size'; readonly range: Range };

export type StrippedAttribute = 'gateway_eid' | 'bandwidth_bps' | 'max_bundle_size' | 'transitive';

export interface Rule {
  readonly name: string;
  readonly conditions: readonly Condition[];
  readonly set: { readonly metric?: number; readonly gatewayEid?: string; readonly bandwidthBps?: string; readonly maxBundleSize?: number };
  readonly strip: readonly StrippedAttribute[];
  /** Export only: the route keeps the gateway it came with (§6.7) instead of ours. */
  readonly keepGateway: boolean;
  /** What the rule decides when it matches: accept, reject, or nothing (evaluation goes on). */
  readonly then: 'accept' | 'reject' | 'next';
  readonly reason: string | undefined;
}

/** Applied in order to a peer's routes: every chain that names its AD, or `*`. */
export type Chains = readonly { readonly peers: readonly string[]; readonly rules: readonly Rule[] }[];

export interface ImportPolicy {
  readonly default: 'accept' | 'reject';
  readonly chains: Chains;
  readonly origins: { readonly onInvalid: 'reject' | 'accept'; readonly table: OriginTable } | undefined;
}

export interface ExportPolicy {
  readonly default: 'accept' | 'reject';
  readonly chains: Chains;
  /** Our gateway on every route we send, unless a rule keeps the route's own (§6.7); undefined: none. */
  readonly gatewayEid: string | undefined;
}

export interface Policy {
  readonly import: ImportPolicy;
  readonly export: ExportPolicy;
}

/** A policy that accepts everything, both ways, with no gateway of ours named. */
export const ACCEPT_ALL: Policy = { import: { default: 'accept', chains: [], origins: undefined }, export: { default: 'accept', chains: [], gatewayEid: undefined } };

/** The chains that apply to a peer AD, in order. */
export const chainsFor = (chains: Chains, peerAd: string): Chains => chains.filter((c) => c.peers.includes('*') || c.peers.includes(peerAd));

const range = (r: { readonly min?: number | undefined; readonly max?: number | undefined } | undefined): Range => ({ min: r?.min, max: r?.max });

/**
 * The `policy:` section checked and resolved: every pattern parsed, every pattern set a rule
 * names defined. A problem is one line naming the field and the fix, under `at` (the file's name
 * and the section's place in it).
 */
export function compilePolicy(file: PolicyFile, at: string): { policy: Policy; problems: string[] } {
  const problems: string[] = [];
  const patterns = (texts: readonly string[], field: string): EidPattern[] =>
    texts.flatMap((text, i) => {
      const parsed = parsePattern(text);
      if (parsed.ok) return [parsed.value];
      problems.push(`${at}.${field}[${i}]: "${text}": ${parsed.error.message}`);
      return [];
    });
  /** AD names as the rest of dpp holds them (lower case, no trailing dot), or a problem naming the field. */
  const ad = (name: string, field: string): string => {
    const normal = adName(name);
    if (Result.isSuccess(normal)) return normal.success;
    problems.push(`${at}.${field}: "${name}": ${normal.failure}`);
    return name;
  };
  const ads = (names: readonly string[], field: string) => names.map((name, i) => ad(name, `${field}[${i}]`));
  const checkedRange = (r: { readonly min?: number | undefined; readonly max?: number | undefined }, field: string): Range => {
    if (r.min !== undefined && r.max !== undefined && r.min > r.max) problems.push(`${at}.${field}: min ${r.min} is above max ${r.max}; swap them`);
    return range(r);
  };
  const sets = new Map(Object.entries(file.pattern_sets ?? {}).map(([name, texts]) => [name, patterns(texts, `pattern_sets.${name}`)]));
  const chains = (direction: 'import' | 'export', given: NonNullable<PolicyFile['import']>['chains']): Chains => {
    const compiled = (given ?? []).map((chain, c) => ({
      peers: chain.peers.map((peer, i) => (peer === '*' ? peer : ad(peer, `${direction}.chains[${c}].peers[${i}]`))),
      rules: chain.rules.map((rule, r): Rule => {
        const field = `${direction}.chains[${c}].rules[${r}]`;
        const m = rule.match ?? {};
        const conditions: Condition[] = [];
        if (m.patterns_in !== undefined) {
          const set = sets.get(m.patterns_in);
          if (set === undefined) problems.push(`${at}.${field}.match.patterns_in: no pattern set "${m.patterns_in}"; define it under pattern_sets`);
          conditions.push({ kind: 'patterns-in', set: m.patterns_in, patterns: set ?? [] });
        }
        if (m.ad_path_contains !== undefined) conditions.push({ kind: 'ad-path-contains', ad: ad(m.ad_path_contains, `${field}.match.ad_path_contains`) });
        if (m.ad_path_length !== undefined) conditions.push({ kind: 'ad-path-length', range: checkedRange(m.ad_path_length, `${field}.match.ad_path_length`) });
        if (m.origin_ad !== undefined) conditions.push({ kind: 'origin-ad', ads: ads(m.origin_ad, `${field}.match.origin_ad`) });
        if (m.neighbor_ad !== undefined) conditions.push({ kind: 'neighbor-ad', ads: ads(m.neighbor_ad, `${field}.match.neighbor_ad`) });
        if (m.has_window !== undefined) conditions.push({ kind: 'has-window', value: m.has_window });
        if (m.bandwidth_bps !== undefined) conditions.push({ kind: 'bandwidth-bps', range: checkedRange(m.bandwidth_bps, `${field}.match.bandwidth_bps`) });
        if (m.max_bundle_size !== undefined) conditions.push({ kind: 'max-bundle-size', range: checkedRange(m.max_bundle_size, `${field}.match.max_bundle_size`) });
        if (rule.set?.gateway_eid !== undefined && !parseEid(rule.set.gateway_eid).ok) problems.push(`${at}.${field}.set.gateway_eid: "${rule.set.gateway_eid}" is no EID; write ipn:N.S, ipn:A.N.S or dtn://name/`);
        const then = rule.then ?? (rule.set || rule.strip ? 'next' : 'accept');
        if (rule.keep_gateway !== undefined && direction === 'import') problems.push(`${at}.${field}.keep_gateway: keep_gateway is for export rules (a route we send keeps its own gateway); remove it here`);
        if (rule.keep_gateway && rule.set?.gateway_eid !== undefined) problems.push(`${at}.${field}: keep_gateway and set.gateway_eid say two things; keep one`);
        if (rule.reason !== undefined && then !== 'reject') problems.push(`${at}.${field}.reason: a reason is for rules that reject; add then: reject, or remove it`);
        return {
          name: rule.name,
          conditions,
          set: {
            ...(rule.set?.metric === undefined ? {} : { metric: rule.set.metric }),
            ...(rule.set?.gateway_eid === undefined ? {} : { gatewayEid: rule.set.gateway_eid }),
            ...(rule.set?.bandwidth_bps === undefined ? {} : { bandwidthBps: String(rule.set.bandwidth_bps) }),
            ...(rule.set?.max_bundle_size === undefined ? {} : { maxBundleSize: rule.set.max_bundle_size }),
          },
          strip: rule.strip ?? [],
          keepGateway: rule.keep_gateway ?? false,
          then,
          reason: rule.reason,
        };
      }),
    }));
    const names = compiled.flatMap((c) => c.rules.map((r) => r.name));
    names.forEach((name, i) => names.indexOf(name) < i && problems.push(`${at}.${direction}: rule name "${name}" is used twice; each rule needs its own name (verdicts name it)`));
    return compiled;
  };
  const origins = file.origin_authorization && {
    onInvalid: file.origin_authorization.on_invalid ?? 'reject',
    table: new OriginTable(file.origin_authorization.table.map((entry, i) => ({ origin: ad(entry.origin, `origin_authorization.table[${i}].origin`), patterns: patterns(entry.patterns, `origin_authorization.table[${i}].patterns`) }))),
  };
  const gatewayEid = file.export?.gateway_eid;
  if (gatewayEid !== undefined && !parseEid(gatewayEid).ok) problems.push(`${at}.export.gateway_eid: "${gatewayEid}" is no EID; write ipn:N.S, ipn:A.N.S or dtn://name/`);
  return {
    policy: {
      import: { default: file.import?.default ?? 'accept', chains: chains('import', file.import?.chains), origins },
      export: { default: file.export?.default ?? 'accept', chains: chains('export', file.export?.chains), gatewayEid },
    },
    problems,
  };
}

/** A pattern set's text for reasons. */
export const setText = (patterns: readonly EidPattern[]): string => patterns.map(formatPattern).join(', ');
