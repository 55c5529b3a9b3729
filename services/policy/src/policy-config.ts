import { Result, Schema } from 'effect';
import { loadYaml } from '#libs/config';
import { adName } from '#libs/identity';
import { ACCEPT_ALL, compilePolicy, PolicyFile, type Policy } from '#libs/policy';

const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1));

/** The policy service's YAML config (README, "Policy"). */
const PolicyServiceFile = Schema.Struct({
  ad: Schema.NonEmptyString,
  nats: Schema.Struct({ url: Schema.NonEmptyString }),
  streams: Schema.optional(
    Schema.Struct({ peer_events: Schema.optional(Schema.NonEmptyString), peer_subject_prefix: Schema.optional(Schema.NonEmptyString), rib_input: Schema.optional(Schema.NonEmptyString), loc_rib: Schema.optional(Schema.NonEmptyString) }),
  ),
  restart_time_ms: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  batch: Schema.optional(Positive),
  /** The peer ADs an Adj-RIB-Out is kept for: those our session services peer with. */
  peers: Schema.optional(Schema.Array(Schema.NonEmptyString)),
  adj_rib_out_prefix: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]+$/))),
  policy: Schema.optional(PolicyFile),
});

export interface PolicyConfig {
  readonly localAd: string;
  readonly natsUrl: string;
  readonly peerEvents: string;
  /** The session services' `nats.subject_prefix`: policy versions are logged on `<prefix>.policy`. */
  readonly peerSubjectPrefix: string;
  readonly ribInput: string;
  readonly locRib: string;
  readonly restartMs: number;
  readonly batch: number;
  readonly peers: readonly string[];
  /** Peer P's Adj-RIB-Out is the KV bucket `<prefix>-<P, dots as _>` (libs/tables adToken). */
  readonly adjRibOutPrefix: string;
  /** Import and export policy; without a `policy:` section, every route is accepted and sent. */
  readonly policy: Policy;
  /** The `policy:` section as written, for the policy version events. */
  readonly policyFile: PolicyFile;
}

export const DEFAULT_ADJ_RIB_OUT_PREFIX = 'dpp-out';

export async function loadPolicyConfig(path: string): Promise<Result.Result<PolicyConfig, string>> {
  const decoded = await loadYaml(path, PolicyServiceFile);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const file = decoded.success;
  const problems: string[] = [];
  const ad = adName(file.ad);
  if (Result.isFailure(ad)) problems.push(`${path}: ad: ${ad.failure}`);
  const peers = (file.peers ?? []).map((peer, i) => {
    const name = adName(peer);
    if (Result.isFailure(name)) problems.push(`${path}: peers[${i}]: ${name.failure}`);
    return Result.isSuccess(name) ? name.success : peer;
  });
  peers.forEach((peer, i) => peers.indexOf(peer) < i && problems.push(`${path}: peers[${i}]: ${peer} is listed twice; list each peer AD once`));
  const policy = file.policy ? compilePolicy(file.policy, `${path}: policy`) : { policy: ACCEPT_ALL, problems: [] };
  problems.push(...policy.problems);
  if (Result.isFailure(ad) || problems.length > 0) return Result.fail(problems.join('\n'));
  return Result.succeed({
    localAd: ad.success,
    natsUrl: file.nats.url,
    peerEvents: file.streams?.peer_events ?? 'DPP_PEER_EVENTS',
    peerSubjectPrefix: file.streams?.peer_subject_prefix ?? 'dpp.peer',
    ribInput: file.streams?.rib_input ?? 'DPP_RIB_INPUT',
    locRib: file.streams?.loc_rib ?? 'DPP_LOC_RIB',
    restartMs: file.restart_time_ms ?? 0,
    batch: file.batch ?? 256,
    peers,
    adjRibOutPrefix: file.adj_rib_out_prefix ?? DEFAULT_ADJ_RIB_OUT_PREFIX,
    policy: policy.policy,
    policyFile: file.policy ?? {},
  });
}
