import { Result } from 'effect';
import { loadDppFile, metricsOf, streamsOf } from '#libs/config';
import { adName } from '#libs/identity';
import type { GatewaySpec } from '#libs/fib-export';

/** A Hardy instance whose TVR contacts follow a gateway's FIB (config `gateways[].hardy`). */
export interface HardyTarget {
  /** host:port of Hardy's TVR gRPC service. */
  readonly address: string;
  /** PEM files; without them the channel is plaintext (Hardy's TVR listens on loopback by default). */
  readonly tls: { readonly ca: string; readonly cert: string | undefined; readonly key: string | undefined } | undefined;
  /** The session's default priority in Hardy (lower is checked first); every route of ours has it. */
  readonly priority: number;
}

export interface FibExportConfig {
  /** Our AD: the read API answers under it. */
  readonly localAd: string;
  readonly natsUrl: string;
  readonly ribInput: string;
  readonly locRib: string;
  readonly replicas: number;
  readonly bucketPrefix: string;
  readonly batch: number;
  readonly gateways: readonly GatewaySpec[];
  /** Gateways whose Hardy follows their FIB, by gateway name. */
  readonly hardy: ReadonlyMap<string, HardyTarget>;
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
    ...(g.hardy !== undefined && !/^[^:\s]+:\d+$/.test(g.hardy.address) ? [`${path}: gateways[${i}].hardy.address: "${g.hardy.address}" is no host:port; write the address of Hardy's TVR service, 127.0.0.1:50051 for example`] : []),
    ...(g.hardy?.tls !== undefined && (g.hardy.tls.cert === undefined) !== (g.hardy.tls.key === undefined) ? [`${path}: gateways[${i}].hardy.tls: cert and key go together (a client certificate); give both or neither`] : []),
  ]);
  if (gateways.length === 0) problems.push(`${path}: gateways: no gateway; list at least one (name, and optionally from_peers and schemes)`);
  const ad = adName(file.ad);
  if (Result.isFailure(ad)) problems.push(`${path}: ad: ${ad.failure}`);
  if (Result.isFailure(ad) || problems.length > 0) return Result.fail(problems.join('\n'));
  const streams = streamsOf(file);
  return Result.succeed({
    localAd: ad.success,
    natsUrl: streams.natsUrl,
    ribInput: streams.ribInput,
    replicas: streams.replicas,
    locRib: streams.locRib,
    bucketPrefix: streams.fibBucketPrefix,
    batch: file.batch ?? 256,
    metrics: metricsOf(file, 'fib_export'),
    gateways: gateways.map((g) => ({ name: g.name, fromPeers: g.from_peers, schemes: g.schemes })),
    hardy: new Map(
      gateways.flatMap((g) => (g.hardy === undefined ? [] : [[g.name, { address: g.hardy.address, tls: g.hardy.tls === undefined ? undefined : { ca: g.hardy.tls.ca, cert: g.hardy.tls.cert, key: g.hardy.tls.key }, priority: g.hardy.priority ?? 100 }] as const])),
    ),
  });
}
