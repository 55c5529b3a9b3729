import { createHash, randomUUID } from 'node:crypto';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Result } from 'effect';
import { decodeLocRibChanges } from '#libs/events';
import { deltaFor, encodeFibEntry, fibEntryOf, fingerprintOf, keyOf, receives, type FibDelta, type GatewaySpec } from '#libs/fib-export';
import type { RibAdvertisement } from '#libs/rib';
import { consumeBatches, ensureStream, readLog } from '#libs/streams';
import { STATE_BUCKET } from './fib-export-config.ts';

export interface FibExportOptions {
  /** The Loc-RIB change stream the FIBs follow. */
  readonly changeStream: string;
  readonly gateways: readonly GatewaySpec[];
  /** Gateway G's FIB is the KV bucket `<prefix>-G`; the exporter's own state is in `<prefix>-export`. */
  readonly bucketPrefix: string;
  readonly batch: number;
  readonly log: (line: Record<string, unknown>) => void;
}

/** The bucket holding a gateway's FIB: one key per pattern (libs/fib-export keyOf), the entry as value. */
export const fibBucket = (prefix: string, gateway: string): string => `${prefix}-${gateway}`;

const KEEP_DUPLICATES_MS = 120_000;

/**
 * The FIB-export service (design.md property 6): follows the Loc-RIB change stream and keeps, per
 * gateway, a KV bucket of pattern → FibEntry. The bucket's stream is the gateway's delta log (its
 * revisions are the delta sequence numbers) and its last values are the snapshot, so a gateway
 * reads the snapshot at revision R and then the deltas after R from one ordered consumer.
 *
 * Each batch of changes is collapsed to the last delta per gateway and pattern, published (ids
 * `fib-<change message seq>-<index>-<gateway>-<spec hash>`, the same on every replica with that
 * spec), and only then are the gateways' positions moved: a batch cut short is done again, and
 * doing it again stores the same values. A gateway that is new, or whose spec changed, gets its
 * table rebuilt from the change stream before the exporter goes on.
 */
export async function startFibExport(nc: NatsConnection, options: FibExportOptions): Promise<{ stop(): Promise<void> }> {
  const kvm = new Kvm(nc);
  const js = jetstream(nc);
  const open = async (name: string): Promise<KV> => {
    const kv = await kvm.create(name, { history: 1, storage: StorageType.File });
    // The bucket is a stream: check what the server kept, as for every stream of ours.
    await ensureStream(nc, { name: `KV_${name}`, subjects: [`$KV.${name}.>`], duplicateWindowMs: KEEP_DUPLICATES_MS });
    return kv;
  };
  const state = await open(fibBucket(options.bucketPrefix, STATE_BUCKET));
  const buckets = new Map<string, KV>();
  for (const gateway of options.gateways) buckets.set(gateway.name, await open(fibBucket(options.bucketPrefix, gateway.name)));
  /**
   * Where each gateway stands in the change stream. Each has its own, so exporters with other
   * gateways never move it for this one, and a change a gateway has passed is never published
   * for it again (which would put an old value back once its message id is out of the duplicate
   * window).
   */
  const readPositions = async (): Promise<Map<string, number | undefined>> => {
    const known = new Map<string, number | undefined>();
    for (const gateway of options.gateways) {
      const stored = (await state.get(`position.${gateway.name}`))?.string();
      known.set(gateway.name, stored ? Number(stored) : undefined);
    }
    return known;
  };
  let positions = await readPositions();
  /** Positions only move forward: a lagging replica does not take one back. */
  const advance = async (gateway: string, seq: number): Promise<void> => {
    const stored = Number((await state.get(`position.${gateway}`))?.string() || '0');
    if (seq > stored) await state.put(`position.${gateway}`, String(seq));
    positions.set(gateway, Math.max(stored, seq));
  };
  const fingerprints = new Map(options.gateways.map((g) => [g.name, createHash('sha256').update(fingerprintOf(g)).digest('hex').slice(0, 12)]));

  const publish = (gateway: string, delta: FibDelta, id: string): Promise<unknown> => {
    const subject = `$KV.${fibBucket(options.bucketPrefix, gateway)}.${keyOf(delta.op === 'put' ? delta.entry.pattern : delta.pattern)}`;
    const h = headers();
    if (delta.op === 'delete') h.set('KV-Operation', 'DEL');
    return js.publish(subject, delta.op === 'put' ? encodeFibEntry(delta.entry) : '', { msgID: id, headers: h });
  };

  // A gateway that is new or changed is built where the unchanged ones stand, or, when all are, at the stream's end.
  const end = async () => (await (await jetstreamManager(nc)).streams.info(options.changeStream)).state.last_seq;
  const unchanged: number[] = [];
  const stale: GatewaySpec[] = [];
  for (const gateway of options.gateways) {
    const position = positions.get(gateway.name);
    if ((await state.get(`config.${gateway.name}`))?.string() !== fingerprintOf(gateway)) stale.push(gateway);
    else if (position !== undefined) unchanged.push(position);
  }
  if (stale.length > 0) await rebuild(nc, state, buckets, options, stale, unchanged.length > 0 ? Math.min(...unchanged) : await end(), publish);
  positions = await readPositions();

  const position = async (): Promise<number> => {
    positions = await readPositions();
    return Math.min(...[...positions.values()].map((p) => p ?? 0)) + 1;
  };
  return consumeBatches(nc, { stream: options.changeStream, batch: options.batch, position, log: options.log }, async (messages) => {
    const latest = new Map<string, { gateway: string; delta: FibDelta; id: string }>();
    for (const m of messages) {
      const changes = decodeLocRibChanges(m.string());
      if (Result.isFailure(changes)) {
        options.log({ level: 'error', msg: 'Loc-RIB changes quarantined: not valid v1 changes', stream: options.changeStream, seq: m.seq, error: changes.failure });
        continue;
      }
      for (const gateway of options.gateways) {
        if (m.seq <= (positions.get(gateway.name) ?? 0)) continue;
        for (const [i, change] of changes.success.entries()) {
          const delta = deltaFor(gateway, change);
          // The spec is in the id: a gateway whose spec changed must not have its new deltas taken for old ones.
          if (delta) latest.set(`${gateway.name} ${change.pattern}`, { gateway: gateway.name, delta, id: `fib-${m.seq}-${i}-${gateway.name}-${fingerprints.get(gateway.name)}` });
        }
      }
    }
    // One delta per gateway and pattern: no two can overtake each other, so they go out together.
    await pipelined([...latest.values()], ({ gateway, delta, id }) => publish(gateway, delta, id));
    for (const gateway of options.gateways) await advance(gateway.name, messages.at(-1)!.seq);
  });
}

/** Each gateway whose spec is new or changed (`stale`) gets the table the Loc-RIB at `upTo` gives it. */
async function rebuild(
  nc: NatsConnection,
  state: KV,
  buckets: ReadonlyMap<string, KV>,
  options: FibExportOptions,
  stale: readonly GatewaySpec[],
  upTo: number,
  publish: (gateway: string, delta: FibDelta, id: string) => Promise<unknown>,
): Promise<void> {
  const best = new Map<string, { advertisement: RibAdvertisement; causeSeq: number }>();
  for await (const m of readLog(nc, options.changeStream, upTo)) {
    const changes = decodeLocRibChanges(m.string());
    for (const change of Result.isSuccess(changes) ? changes.success : []) {
      if (change.best) best.set(change.pattern, { advertisement: change.best, causeSeq: change.causeSeq });
      else best.delete(change.pattern);
    }
  }
  for (const gateway of stale) {
    const bucket = buckets.get(gateway.name)!;
    const wanted = new Map([...best].filter(([pattern, b]) => receives(gateway, pattern, b.advertisement)).map(([pattern, b]) => [keyOf(pattern), fibEntryOf(pattern, b.advertisement, b.causeSeq)]));
    const unwanted = [];
    for await (const key of await bucket.keys()) if (!wanted.has(key)) unwanted.push(key);
    await pipelined(unwanted, (key) => bucket.delete(key));
    // Each rebuild its own ids: a rebuild back to an earlier spec must not have its puts taken for the first one's.
    const rebuildId = randomUUID();
    await pipelined([...wanted.values()], (entry) => publish(gateway.name, { op: 'put', entry }, `fib-rebuild-${rebuildId}-${keyOf(entry.pattern)}`));
    // Set, not advanced: the table is now the Loc-RIB's at `upTo`, and what follows it is to be applied.
    await state.put(`position.${gateway.name}`, String(upTo));
    await state.put(`config.${gateway.name}`, fingerprintOf(gateway));
    options.log({ level: 'info', msg: 'gateway FIB rebuilt from the Loc-RIB', gateway: gateway.name, atChangeSeq: upTo, entries: wanted.size, removed: unwanted.length });
  }
}

/** Pipelined: up to 1,024 in flight at every moment (a rebuild may write a million entries). */
async function pipelined<T>(items: readonly T[], each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await each(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(1_024, items.length) }, lane));
}
