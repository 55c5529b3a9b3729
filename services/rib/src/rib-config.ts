import { dirname, resolve } from 'node:path';
import { Result, Schema } from 'effect';
import { loadYaml } from '#libs/config';
import { adName } from '#libs/identity';
import { ACCEPT_ALL, compilePolicy, PolicyFile, type ImportPolicy } from '#libs/policy';

const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1));

/** The RIB service's YAML config (README, "Running the RIB"). */
const RibFile = Schema.Struct({
  ad: Schema.NonEmptyString,
  nats: Schema.Struct({ url: Schema.NonEmptyString }),
  checkpoint: Schema.NonEmptyString,
  streams: Schema.optional(
    Schema.Struct({ peer_events: Schema.optional(Schema.NonEmptyString), rib_input: Schema.optional(Schema.NonEmptyString), loc_rib: Schema.optional(Schema.NonEmptyString) }),
  ),
  restart_time_ms: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  batch: Schema.optional(Positive),
  clock_catch_up_ms: Schema.optional(Positive),
  policy: Schema.optional(PolicyFile),
});

export interface RibConfig {
  readonly localAd: string;
  readonly natsUrl: string;
  readonly checkpoint: string;
  readonly peerEvents: string;
  readonly ribInput: string;
  readonly locRib: string;
  readonly restartMs: number;
  readonly batch: number;
  /** Window edges missed by more than this are passed at once (rib-runner.ts). */
  readonly catchUpMs: number;
  /** The import policy (README, "Import policy"); without one, every route is accepted. */
  readonly policy: ImportPolicy;
}

export async function loadRibConfig(path: string): Promise<Result.Result<RibConfig, string>> {
  const decoded = await loadYaml(path, RibFile);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const file = decoded.success;
  const ad = adName(file.ad);
  const policy = file.policy ? compilePolicy(file.policy, `${path}: policy`) : { policy: ACCEPT_ALL, problems: [] };
  const problems = [...(Result.isFailure(ad) ? [`${path}: ad: ${ad.failure}`] : []), ...policy.problems];
  if (Result.isFailure(ad) || problems.length > 0) return Result.fail(problems.join('\n'));
  return Result.succeed({
    localAd: ad.success,
    natsUrl: file.nats.url,
    checkpoint: resolve(dirname(path), file.checkpoint),
    peerEvents: file.streams?.peer_events ?? 'DPP_PEER_EVENTS',
    ribInput: file.streams?.rib_input ?? 'DPP_RIB_INPUT',
    locRib: file.streams?.loc_rib ?? 'DPP_LOC_RIB',
    restartMs: file.restart_time_ms ?? 0,
    batch: file.batch ?? 256,
    catchUpMs: file.clock_catch_up_ms ?? 60_000,
    policy: policy.policy,
  });
}
