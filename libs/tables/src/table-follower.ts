import { DeliverPolicy, jetstreamManager, type ConsumerMessages, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { orderedConsumer, stallWatch } from '#libs/streams';
import type { TableDelta } from './table-delta.ts';
import { decodeTableLines, SNAPSHOT_HEADER, tableStream, tableSubject, type SnapshotEnd } from './table-stream.ts';

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

/** The latest complete snapshot of a table, or undefined when it has none. */
async function latestSnapshot(jsm: JetStreamManager, table: string): Promise<(SnapshotEnd & { readonly id: string; readonly seq: number }) | undefined> {
  const end = await jsm.streams.getMessage(tableStream(table), { last_by_subj: tableSubject(table, 'e') });
  return end ? { ...(end.json() as SnapshotEnd), id: end.header?.get(SNAPSHOT_HEADER) ?? '', seq: end.seq } : undefined;
}

/**
 * Follows a table's stream (libs/tables table-stream.ts): its latest snapshot, then every delta
 * message after it, in order, from one ordered consumer. When that consumer misses a delivery, or
 * the connection or the server comes back, nats.js recreates it from the last sequence delivered
 * + 1; when it stalls for good (its node lost in a cluster), a new one is made from the last
 * message applied + 1. That is the resync. The table stream holds nothing but the table, so a
 * sequence that jumps means the reader was away past a compaction: it loads the latest snapshot
 * again (`onResync`). Give it a connection that reconnects for ever (`maxReconnectAttempts: -1`).
 */
export async function followTable(nc: NatsConnection, table: string, onEntry: (entry: TableEntry) => void | Promise<void>, options: FollowOptions = {}): Promise<TableFollower> {
  const jsm = await jetstreamManager(nc);
  const stream = tableStream(table);
  const deltaSubject = tableSubject(table, 'd');
  const partSubject = tableSubject(table, 's');
  const endSubject = tableSubject(table, 'e');
  const info = await jsm.streams.info(stream);
  let loaded: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => (loaded = resolve));
  if (info.state.messages === 0) loaded();
  let closed = false;
  let current: ConsumerMessages | undefined;
  /** The last message applied: a consumer made again goes on from the next one. 0: load from the latest snapshot. */
  let position = 0;
  /** While a load replaces what the reader holds: the keys it brought. */
  let resyncing: Set<string> | undefined = options.replace ? new Set() : undefined;
  const ended = (async () => {
    while (!closed) {
      let snapshot: Awaited<ReturnType<typeof latestSnapshot>>;
      let from: number;
      try {
        snapshot = position === 0 ? await latestSnapshot(jsm, table) : undefined;
        // With no snapshot, from the start: nothing was ever purged (a compaction writes one first).
        from = position > 0 ? position + 1 : snapshot === undefined ? (await jsm.streams.info(stream)).state.first_seq : snapshot.first || snapshot.seq;
        current = await (await orderedConsumer(nc, stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from })).consume({ expires: 10_000, idle_heartbeat: 2_000 });
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
      /** While a snapshot loads: the deltas met among its parts, applied once it is whole. */
      let held: { seq: number; deltas: TableDelta[] }[] | undefined = snapshot ? [] : undefined;
      const apply = async (deltas: readonly TableDelta[], revision: number, after: number) => {
        for (let i = 0; i < deltas.length; i++) {
          resyncing?.add(deltas[i]!.key);
          await onEntry({ ...deltas[i]!, revision, pending: after + deltas.length - 1 - i });
        }
      };
      const take = async (m: JsMsg) => {
        const ofSnapshot = m.headers?.get(SNAPSHOT_HEADER);
        if (m.subject === endSubject) {
          if (held === undefined || ofSnapshot !== snapshot?.id) return;
          for (const [i, { seq, deltas }] of held.entries()) await apply(deltas, seq, m.info.pending + held.length - 1 - i);
          held = undefined;
          return;
        }
        const isPart = m.subject === partSubject;
        // Another snapshot's parts (none is loading, or not this one), or deltas the snapshot already holds.
        if (isPart ? held === undefined || ofSnapshot !== snapshot?.id : m.subject !== deltaSubject || (snapshot !== undefined && m.seq <= snapshot.deltasThrough)) return;
        const deltas = decodeTableLines(m.string());
        if (Result.isFailure(deltas)) options.onCorrupt?.(m.seq, deltas.failure);
        else if (held !== undefined && !isPart) held.push({ seq: m.seq, deltas: deltas.success });
        else await apply(deltas.success, isPart ? snapshot!.deltasThrough : m.seq, held === undefined ? m.info.pending : 1);
      };
      let next = from;
      for await (const m of current) {
        if (m.seq > next) {
          // Purged under us (compacted while this reader was away): load the latest snapshot again, over what is held.
          position = 0;
          resyncing = new Set();
          break;
        }
        next = m.seq + 1;
        position = m.seq;
        await take(m);
        if (m.info.pending > 0 || held !== undefined) continue;
        if (resyncing) await options.onResync?.(resyncing);
        resyncing = undefined;
        loaded();
      }
      current.stop();
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
    close: async () => {
      closed = true;
      current?.stop();
      await ended.catch(() => undefined);
    },
  };
}

/** A table's current entries (key → value) and the last delta message they include, read once. */
export async function readTableAt(nc: NatsConnection, table: string): Promise<{ entries: Map<string, string>; revision: number }> {
  const entries = new Map<string, string>();
  let revision = 0;
  const follower = await followTable(
    nc,
    table,
    (entry) => {
      revision = entry.revision;
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
  return { entries, revision };
}

/** A table's current entries (key → value), read once. */
export const readTable = async (nc: NatsConnection, table: string): Promise<Map<string, string>> => (await readTableAt(nc, table)).entries;
