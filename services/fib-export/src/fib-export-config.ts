import { Result, Schema } from 'effect';
import { loadYaml } from '#libs/config';
import type { GatewaySpec } from '#libs/fib-export';

const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1));
const Name = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]+$/));

/** The FIB-export service's YAML config (README, "Gateways and the FIB"). */
const FibExportFile = Schema.Struct({
  nats: Schema.Struct({ url: Schema.NonEmptyString }),
  streams: Schema.optional(Schema.Struct({ loc_rib: Schema.optional(Schema.NonEmptyString) })),
  bucket_prefix: Schema.optional(Name),
  batch: Schema.optional(Positive),
  gateways: Schema.Array(
    Schema.Struct({
      name: Name,
      from_peers: Schema.optional(Schema.Array(Schema.NonEmptyString)),
      schemes: Schema.optional(Schema.Array(Schema.Literals(['ipn', 'dtn']))),
    }),
  ),
});

export interface FibExportConfig {
  readonly natsUrl: string;
  readonly locRib: string;
  readonly bucketPrefix: string;
  readonly batch: number;
  readonly gateways: readonly GatewaySpec[];
}

/** The bucket the exporter keeps its own state in: no gateway may take its name. */
export const STATE_BUCKET = 'export';

export async function loadFibExportConfig(path: string): Promise<Result.Result<FibExportConfig, string>> {
  const decoded = await loadYaml(path, FibExportFile);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const file = decoded.success;
  const problems = file.gateways.flatMap((g, i) => [
    ...(g.name === STATE_BUCKET ? [`${path}: gateways[${i}].name: "${STATE_BUCKET}" is the exporter's own bucket; choose another name`] : []),
    ...(file.gateways.findIndex((other) => other.name === g.name) < i ? [`${path}: gateways[${i}].name: "${g.name}" is given twice; gateway names must differ`] : []),
  ]);
  if (file.gateways.length === 0) problems.push(`${path}: gateways: no gateway; list at least one (name, and optionally from_peers and schemes)`);
  if (problems.length > 0) return Result.fail(problems.join('\n'));
  return Result.succeed({
    natsUrl: file.nats.url,
    locRib: file.streams?.loc_rib ?? 'DPP_LOC_RIB',
    bucketPrefix: file.bucket_prefix ?? 'dpp-fib',
    batch: file.batch ?? 256,
    gateways: file.gateways.map((g) => ({ name: g.name, fromPeers: g.from_peers, schemes: g.schemes })),
  });
}
