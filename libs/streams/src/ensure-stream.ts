import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** How long a stream of ours keeps message ids for deduplication: a resend after an outage must still fall inside it. */
export const DUPLICATE_WINDOW_MS = 120_000;

/** A stream of the event log: file storage, deduplication by message id over `duplicateWindowMs`. */
export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly duplicateWindowMs: number;
  /** Copies in a cluster (3 for production, design.md property 5); default 1. */
  readonly replicas?: number;
}

/**
 * Creates the stream if it is missing, then checks what the server holds: nats-server 2.9 drops
 * settings it does not know without a word (platform.md), and an existing stream may have been
 * made by hand. A stream that does not match is an error naming what differs.
 */
export async function ensureStream(nc: NatsConnection, spec: StreamSpec): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const wanted = { name: spec.name, subjects: [...spec.subjects], storage: StorageType.File, duplicate_window: spec.duplicateWindowMs * 1e6, num_replicas: spec.replicas ?? 1 };
  const info = await jsm.streams.info(spec.name).catch(() => jsm.streams.add(wanted));
  const got = info.config;
  const problems = [
    got.storage === wanted.storage ? undefined : `storage ${got.storage}, not ${wanted.storage}`,
    ...wanted.subjects.map((s) => (got.subjects?.includes(s) ? undefined : `no subject ${s} (has ${got.subjects?.join(', ')})`)),
    got.duplicate_window >= wanted.duplicate_window ? undefined : `duplicate window ${got.duplicate_window / 1e9} s, under ${spec.duplicateWindowMs / 1000} s`,
    got.num_replicas === wanted.num_replicas ? undefined : `${got.num_replicas} replicas, not ${wanted.num_replicas} (nats.replicas): change the stream's replicas, or the config`,
  ].filter((p) => p !== undefined);
  if (problems.length > 0) throw new Error(`stream ${spec.name}: ${problems.join('; ')}`);
}
