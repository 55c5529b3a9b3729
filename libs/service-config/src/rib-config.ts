import { dirname, resolve } from 'node:path';
import { Result } from 'effect';
import { loadServiceFile, metricsOf, streamsOf } from '#libs/config';

/** What the RIB service runs with, from the speaker's config file (README, "Running a speaker"). */
export interface RibConfig {
  readonly localAd: string;
  readonly natsUrl: string;
  readonly checkpoint: string;
  readonly ribInput: string;
  readonly locRib: string;
  readonly batch: number;
  /** Window edges missed by more than this are passed at once (rib-runner.ts). */
  readonly catchUpMs: number;
  readonly replicas: number;
  /** Where /metrics, /healthz and /readyz are served, if anywhere. */
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
}

export async function loadRibConfig(path: string): Promise<Result.Result<RibConfig, string>> {
  const loaded = await loadServiceFile(path);
  if (Result.isFailure(loaded)) return Result.fail(loaded.failure);
  const { file, ad, problems } = loaded.success;
  if (file.checkpoint === undefined) problems.push(`${path}: checkpoint: missing: the RIB keeps its checkpoint in this SQLite file (e.g. /var/lib/dpp/rib.sqlite)`);
  if (ad === undefined || file.checkpoint === undefined || problems.length > 0) return Result.fail(problems.join('\n'));
  const streams = streamsOf(file);
  return Result.succeed({
    localAd: ad,
    natsUrl: streams.natsUrl,
    checkpoint: resolve(dirname(path), file.checkpoint),
    ribInput: streams.ribInput,
    locRib: streams.locRib,
    batch: file.batch ?? 256,
    catchUpMs: file.clock_catch_up_ms ?? 60_000,
    replicas: streams.replicas,
    metrics: metricsOf(file, 'rib'),
  });
}
