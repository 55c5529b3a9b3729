import { StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureStream } from './ensure-stream.ts';

/** Keys of session services gone for good (and never judged: no policy service ran) leave after a day. */
const FORGET_MS = 24 * 3_600_000;

/**
 * The liveness bucket (README, "Sites"), as both its writers and its watcher open it: made when
 * missing, then checked like every stream of ours (an existing bucket keeps its settings: a
 * bucket in fewer copies than the cluster would be the one thing a lost node takes from all sites).
 */
export async function openLivenessBucket(nc: NatsConnection, liveness: { readonly bucket: string }, replicas: number): Promise<KV> {
  const kv = await new Kvm(nc).create(liveness.bucket, { history: 1, storage: StorageType.File, replicas, ttl: FORGET_MS });
  await ensureStream(nc, { name: `KV_${liveness.bucket}`, subjects: [`$KV.${liveness.bucket}.>`], duplicateWindowMs: 120_000, replicas });
  return kv;
}
