import { dirname, resolve } from 'node:path';
import { Result, Schema } from 'effect';
import { loadYaml } from '#libs/config';
import { adName } from '#libs/identity';

const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1));

/** The RIB service's YAML config (README, "Running the RIB"). */
const RibFile = Schema.Struct({
  ad: Schema.NonEmptyString,
  nats: Schema.Struct({ url: Schema.NonEmptyString }),
  checkpoint: Schema.NonEmptyString,
  streams: Schema.optional(
    Schema.Struct({ rib_input: Schema.optional(Schema.NonEmptyString), loc_rib: Schema.optional(Schema.NonEmptyString) }),
  ),
  batch: Schema.optional(Positive),
  clock_catch_up_ms: Schema.optional(Positive),
});

export interface RibConfig {
  readonly localAd: string;
  readonly natsUrl: string;
  readonly checkpoint: string;
  readonly ribInput: string;
  readonly locRib: string;
  readonly batch: number;
  /** Window edges missed by more than this are passed at once (rib-runner.ts). */
  readonly catchUpMs: number;
}

export async function loadRibConfig(path: string): Promise<Result.Result<RibConfig, string>> {
  const decoded = await loadYaml(path, RibFile);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const file = decoded.success;
  const ad = adName(file.ad);
  if (Result.isFailure(ad)) return Result.fail(`${path}: ad: ${ad.failure}`);
  return Result.succeed({
    localAd: ad.success,
    natsUrl: file.nats.url,
    checkpoint: resolve(dirname(path), file.checkpoint),
    ribInput: file.streams?.rib_input ?? 'DPP_RIB_INPUT',
    locRib: file.streams?.loc_rib ?? 'DPP_LOC_RIB',
    batch: file.batch ?? 256,
    catchUpMs: file.clock_catch_up_ms ?? 60_000,
  });
}
