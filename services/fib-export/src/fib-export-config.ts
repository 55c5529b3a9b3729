import { Result } from 'effect';
import { loadDppFile, metricsOf, streamsOf } from '#libs/config';
import type { GatewaySpec } from '#libs/fib-export';

export interface FibExportConfig {
  readonly natsUrl: string;
  readonly ribInput: string;
  readonly locRib: string;
  readonly replicas: number;
  readonly bucketPrefix: string;
  readonly batch: number;
  readonly gateways: readonly GatewaySpec[];
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
}

/** The bucket the exporter keeps its own state in: no gateway may take its name. */
export const STATE_BUCKET = 'export';

export async function loadFibExportConfig(path: string): Promise<Result.Result<FibExportConfig, string>> {
  const decoded = await loadDppFile(path);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const file = decoded.success;
  const gateways = file.gateways ?? [];
  const problems = gateways.flatMap((g, i) => [
    ...(g.name === STATE_BUCKET ? [`${path}: gateways[${i}].name: "${STATE_BUCKET}" is the exporter's own bucket; choose another name`] : []),
    ...(gateways.findIndex((other) => other.name === g.name) < i ? [`${path}: gateways[${i}].name: "${g.name}" is given twice; gateway names must differ`] : []),
  ]);
  if (gateways.length === 0) problems.push(`${path}: gateways: no gateway; list at least one (name, and optionally from_peers and schemes)`);
  if (problems.length > 0) return Result.fail(problems.join('\n'));
  const streams = streamsOf(file);
  return Result.succeed({
    natsUrl: streams.natsUrl,
    ribInput: streams.ribInput,
    replicas: streams.replicas,
    locRib: streams.locRib,
    bucketPrefix: streams.fibBucketPrefix,
    batch: file.batch ?? 256,
    metrics: metricsOf(file, 'fib_export'),
    gateways: gateways.map((g) => ({ name: g.name, fromPeers: g.from_peers, schemes: g.schemes })),
  });
}
