import { Result } from 'effect';
import { loadServiceFile, metricsOf, streamsOf, type Streams } from '#libs/config';
import { adName } from '#libs/identity';
import { ACCEPT_ALL, compilePolicy, type Policy, type PolicyFile } from '#libs/policy';

/** What the policy service runs with, from the speaker's config file (README, "Running a speaker"). */
export interface PolicyConfig extends Omit<Streams, 'fibBucketPrefix'> {
  readonly localAd: string;
  readonly restartMs: number;
  readonly batch: number;
  /** The peer ADs an Adj-RIB-Out is kept for: the speaker's peers. */
  readonly peers: readonly string[];
  /** Import and export policy; without a `policy:` section, every route is accepted and sent. */
  readonly policy: Policy;
  /** The `policy:` section as written, for the policy version events. */
  readonly policyFile: PolicyFile;
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
}

export async function loadPolicyConfig(path: string): Promise<Result.Result<PolicyConfig, string>> {
  const loaded = await loadServiceFile(path);
  if (Result.isFailure(loaded)) return Result.fail(loaded.failure);
  const { file, ad, problems } = loaded.success;
  const peers = (file.peers ?? []).map((peer, i) => {
    const name = adName(peer.ad);
    if (Result.isFailure(name)) problems.push(`${path}: peers[${i}].ad: ${name.failure}`);
    return Result.isSuccess(name) ? name.success : peer.ad;
  });
  peers.forEach((peer, i) => peers.indexOf(peer) < i && problems.push(`${path}: peers[${i}].ad: ${peer} is listed twice; list each peer AD once`));
  const policy = file.policy ? compilePolicy(file.policy, `${path}: policy`) : { policy: ACCEPT_ALL, problems: [] };
  problems.push(...policy.problems);
  if (ad === undefined || problems.length > 0) return Result.fail(problems.join('\n'));
  const { fibBucketPrefix: _, ...streams } = streamsOf(file);
  return Result.succeed({
    ...streams,
    localAd: ad,
    restartMs: file.restart_time_ms ?? 0,
    batch: file.batch ?? 256,
    peers,
    policy: policy.policy,
    policyFile: file.policy ?? {},
    metrics: metricsOf(file, 'policy'),
  });
}
