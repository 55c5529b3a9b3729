import { DeliverPolicy, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import { orderedConsumer, stallWatch } from '#libs/streams';
import type { NatsConnection } from '@nats-io/transport-node';

/** One entry of a table as it arrives: its value, or undefined when deleted. */
export interface TableEntry {
  readonly key: string;
  readonly value: string | undefined;
  /** The bucket stream's sequence: the table's delta number. */
  readonly revision: number;
  /** Messages the server still has for this reader: 0 when it has caught up. */
  readonly pending: number;
}

export interface TableFollower {
  /** Settles when the snapshot (the last value of every key) is in; rejects if the follower ended first. */
  readonly ready: Promise<void>;
  /** Settles when the follower stops: closed, or its connection gone for good. */
  readonly ended: Promise<void>;
  close(): Promise<void>;
}

/**
 * Follows a table's KV bucket: the snapshot (the last value of every key), then every delta after
 * it, in order, from one ordered consumer. When that consumer misses a delivery, or the connection
 * or the server comes back, nats.js recreates it from the last sequence delivered + 1; when it
 * stalls for good (its node lost in a cluster), a new one is made from the last revision applied
 * + 1. That is the resync: since the bucket keeps each key's last value, what follows brings the
 * table to the same state. Give it a connection that reconnects for ever (`maxReconnectAttempts: -1`).
 */
export async function followTable(nc: NatsConnection, bucket: string, onEntry: (entry: TableEntry) => void | Promise<void>): Promise<TableFollower> {
  const stream = `KV_${bucket}`;
  const prefix = `$KV.${bucket}.`;
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  let loaded: () => void = () => undefined;
  const snapshot = new Promise<void>((resolve) => (loaded = resolve));
  if (info.state.messages === 0) loaded();
  let closed = false;
  let current: ConsumerMessages | undefined;
  /** The last revision applied: a consumer made again (a stall) goes on from the next one. */
  let revision = 0;
  const ended = (async () => {
    while (!closed) {
      const from = revision === 0 ? { deliver_policy: DeliverPolicy.LastPerSubject } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: revision + 1 };
      try {
        current = await (await orderedConsumer(nc, stream, from)).consume({ expires: 10_000, idle_heartbeat: 2_000 });
      } catch (error) {
        if (nc.isClosed() || closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      // Closed while the consumer was being made: it must not pull on behind the caller's back.
      if (closed) {
        current.stop();
        break;
      }
      void stallWatch(current, { stream, log: () => undefined });
      for await (const m of current) {
        const operation = m.headers?.get('KV-Operation');
        const deleted = operation === 'DEL' || operation === 'PURGE';
        revision = m.seq;
        await onEntry({ key: m.subject.slice(prefix.length), value: deleted ? undefined : m.string(), revision: m.seq, pending: m.info.pending });
        if (m.info.pending === 0) loaded();
      }
      if (nc.isClosed()) return;
    }
  })();
  // Whoever does not wait for the end must not see it as an unhandled rejection.
  ended.catch(() => undefined);
  // The connection can close before the snapshot is in: then there is no table to answer with.
  const ready = Promise.race([snapshot, ended.then(() => Promise.reject(new Error(`the table ${bucket} ended before its snapshot was read`)))]);
  ready.catch(() => undefined);
  return {
    ready,
    ended,
    close: async () => {
      closed = true;
      // stop, not close: close waits for an iteration that may never have begun.
      current?.stop();
      await ended.catch(() => undefined);
    },
  };
}

/** A table's current entries (key → value), read once. */
export async function readTable(nc: NatsConnection, bucket: string): Promise<Map<string, string>> {
  const table = new Map<string, string>();
  const follower = await followTable(nc, bucket, ({ key, value }) => void (value === undefined ? table.delete(key) : table.set(key, value)));
  try {
    await follower.ready;
  } finally {
    await follower.close();
  }
  return table;
}
