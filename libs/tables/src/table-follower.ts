import { DeliverPolicy, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { deliveries, orderedConsumer, PULL_BYTES, readLog, restartPacing, stallWatch, STARVED } from '#libs/streams';
import type { TableDelta } from './table-delta.ts';
import { decodeTableLines, latestSnapshot, SNAPSHOT_HEADER, snapshotStream, tableStream, tableSubject, type Snapshot } from './table-stream.ts';

/** One entry of a table as it arrives: its value, or undefined when deleted. */
export interface TableEntry {
  readonly key: string;
  readonly value: string | undefined;
  /** The table stream's sequence of the delta message it came in (for a snapshot's entries, of the last delta the snapshot includes): the table's revision. */
  readonly revision: number;
  /** Entries still to come that the server already has: 0 when the reader has caught up. */
  readonly pending: number;
}

export interface TableFollower {
  /** Settles when the snapshot and the deltas after it are in; rejects if the follower ended first. */
  readonly ready: Promise<void>;
  /** Settles when the follower stops: closed, or its connection gone for good. */
  readonly ended: Promise<void>;
  /** The last delta message applied, or that the snapshot loaded includes: where the reader stands in the table. */
  revision(): number;
  close(): Promise<void>;
}

export interface FollowOptions {
  /**
   * The reader fell behind a compaction (the deltas it needed next were purged): it loaded the
   * latest snapshot again, as puts over what it held, and these are that snapshot's keys. What the
   * reader holds under any other key is gone from the table.
   */
  readonly onResync?: (keys: ReadonlySet<string>) => void | Promise<void>;
  /** The reader holds entries from an earlier follower of this table: its first load replaces them too (`onResync`). */
  readonly replace?: boolean;
  /** A message that is not a table message of version 1: skipped, and told here. */
  readonly onCorrupt?: (seq: number, error: string) => void;
}

/**
 * Follows a table (table-stream.ts): its latest snapshot, read from the snapshot stream, then
 * every delta message after the last one it includes, in order, from one ordered consumer. When
 * that consumer misses a delivery, or the connection or the server comes back, nats.js recreates
 * it from the last sequence delivered + 1; when it stalls for good (its node lost in a cluster), a
 * new one is made from the last message applied + 1. That is the resync. The delta stream holds
 * nothing but deltas, so a sequence that jumps means the reader was away past a compaction: it
 * loads the latest snapshot again (`onResync`). Give it a connection that reconnects for ever
 * (`maxReconnectAttempts: -1`).
 */
export async function followTable(nc: NatsConnection, table: string, onEntry: (entry: TableEntry) => void | Promise<void>, options: FollowOptions = {}): Promise<TableFollower> {
  const jsm = await jetstreamManager(nc);
  const stream = tableStream(table);
  // Both exist, or the table does not yet: the caller waits for its writer.
  await jsm.streams.info(stream);
  await jsm.streams.info(snapshotStream(table));
  let loaded: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => (loaded = resolve));
  let closed = false;
  let current: ConsumerMessages | undefined;
  let consumer: Awaited<ReturnType<typeof orderedConsumer>>;
  const paced = restartPacing(() => undefined);
  /** The last delta message applied (or included in the snapshot loaded): a consumer made again goes on from the next one. */
  let revision = 0;
  /** Load the latest snapshot before the deltas: at the start, and after falling behind a compaction. */
  let fromSnapshot = true;
  /** While a load replaces what the reader holds: the keys it brought. */
  let resyncing: Set<string> | undefined = options.replace ? new Set() : undefined;
  const deliver = async (deltas: readonly TableDelta[], at: number, pending: number) => {
    for (let i = 0; i < deltas.length; i++) {
      resyncing?.add(deltas[i]!.key);
      await onEntry({ ...deltas[i]!, revision: at, pending: pending + deltas.length - 1 - i });
    }
  };
  const caughtUpNow = async () => {
    if (resyncing) await options.onResync?.(resyncing);
    resyncing = undefined;
    loaded();
  };
  const ended = (async () => {
    while (!closed) {
      try {
        if (fromSnapshot) {
          const snapshot = await latestSnapshot(nc, table);
          if (snapshot) await readSnapshot(nc, table, snapshot, (deltas) => deliver(deltas, snapshot.deltasThrough, 1), options.onCorrupt);
          revision = snapshot?.deltasThrough ?? 0;
          fromSnapshot = false;
        }
        const info = await jsm.streams.info(stream);
        if (info.state.last_seq <= revision) await caughtUpNow();
        consumer = await orderedConsumer(nc, stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: revision + 1 });
        current = await consumer.consume({ max_bytes: PULL_BYTES, expires: 10_000, idle_heartbeat: 2_000 });
      } catch (error) {
        if (nc.isClosed() || closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (closed) {
        current.stop();
        break;
      }
      void stallWatch(current, { stream, log: () => undefined });
      const delivered = deliveries(current);
      for (;;) {
        const next = await delivered.next();
        if (next === STARVED) {
          // Starved (libs/streams starved.ts): a consumer is made again from the next delta, as after any end of one.
          current.stop();
          await paced(delivered.deliveredAny);
          break;
        }
        if (next.done) break;
        const m = next.value;
        if (m.seq > revision + 1) {
          // Purged under us (compacted while this reader was away): the latest snapshot again, over what is held.
          fromSnapshot = true;
          resyncing = new Set();
          break;
        }
        revision = m.seq;
        const deltas = decodeTableLines(m.string());
        if (Result.isFailure(deltas)) options.onCorrupt?.(m.seq, deltas.failure);
        else await deliver(deltas.success, m.seq, m.info.pending);
        if (m.info.pending === 0) await caughtUpNow();
      }
      current.stop();
      void consumer.delete().catch(() => false);
      if (nc.isClosed()) return;
    }
  })();
  // Whoever does not wait for the end must not see it as an unhandled rejection.
  ended.catch(() => undefined);
  // The connection can close before the snapshot is in: then there is no table to answer with.
  const ready = Promise.race([caughtUp, ended.then(() => Promise.reject(new Error(`the table ${table} ended before its snapshot was read`)))]);
  ready.catch(() => undefined);
  return {
    ready,
    ended,
    revision: () => revision,
    close: async () => {
      closed = true;
      current?.stop();
      await ended.catch(() => undefined);
    },
  };
}

/** A snapshot's parts, in order, from the snapshot stream (those of other snapshots passed over). */
async function readSnapshot(nc: NatsConnection, table: string, snapshot: Snapshot, onPart: (deltas: TableDelta[]) => Promise<void>, onCorrupt?: (seq: number, error: string) => void): Promise<void> {
  if (snapshot.first === 0) return;
  let next = snapshot.first;
  for await (const m of readLog(nc, snapshotStream(table), snapshot.seq - 1, undefined, snapshot.first)) {
    // Purged meanwhile (two compactions since the end was read): the caller reads the latest again.
    if (m.seq > next) break;
    next = m.seq + 1;
    if (m.subject !== tableSubject(table, 's') || m.headers?.get(SNAPSHOT_HEADER) !== snapshot.id) continue;
    const deltas = decodeTableLines(m.string());
    if (Result.isFailure(deltas)) onCorrupt?.(m.seq, deltas.failure);
    else await onPart(deltas.success);
  }
  if (next < snapshot.seq) throw new Error(`snapshot ${snapshot.id} of ${table} was purged while it was read`);
}

/** A table's current entries (key → value) and the last delta message they include, read once. */
export async function readTableAt(nc: NatsConnection, table: string): Promise<{ entries: Map<string, string>; revision: number }> {
  const entries = new Map<string, string>();
  const follower = await followTable(
    nc,
    table,
    (entry) => {
      if (entry.value === undefined) entries.delete(entry.key);
      else entries.set(entry.key, entry.value);
    },
    { onResync: (keys) => [...entries.keys()].forEach((key) => keys.has(key) || entries.delete(key)) },
  );
  try {
    await follower.ready;
  } finally {
    await follower.close();
  }
  return { entries, revision: follower.revision() };
}

/** A table's current entries (key → value), read once. */
export const readTable = async (nc: NatsConnection, table: string): Promise<Map<string, string>> => (await readTableAt(nc, table)).entries;
