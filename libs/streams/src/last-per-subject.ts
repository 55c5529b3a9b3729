import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { stallWatch } from './batch-consumer.ts';
import { orderedConsumer } from './read-log.ts';

/** A subject's last message: its text, and when the servers stored it. */
export interface LastMessage {
  readonly value: string;
  readonly storedAt: number;
}

/**
 * The last message of every subject under `prefix` in a stream (a KV bucket's entries, each
 * peer's last admin event), kept by one ordered consumer from the last message of each subject
 * on. nats.js makes that consumer again when it misses a delivery or the connection comes back;
 * when it stalls for good (its node lost) a new one reads every subject again, from an empty map.
 * `ready` resolves once the first read has caught up with the stream, and rejects when the
 * consumer cannot be made for a reason waiting does not cure (a missing permission, a closed
 * connection): a service starts on what it read, or not at all. `onChange` is called at each catch-up and after each message read once
 * caught up, never halfway through a re-read; what it throws is logged. A KV delete or purge
 * removes its key.
 */
export function lastPerSubject(
  nc: NatsConnection,
  stream: string,
  prefix: string,
  options: { readonly log: (line: Record<string, unknown>) => void; readonly onChange?: () => void },
): { readonly entries: ReadonlyMap<string, LastMessage>; readonly ready: Promise<void>; close(): Promise<void> } {
  const entries = new Map<string, LastMessage>();
  let closed = false;
  let current: ConsumerMessages | undefined;
  let markReady: () => void = () => undefined;
  let failReady: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  // A caller that does not wait for it (the liveness watch) must not leave a rejection unhandled.
  ready.catch(() => undefined);
  const changed = () => {
    try {
      options.onChange?.();
    } catch (error) {
      options.log({ level: 'error', msg: 'a change of the followed subjects not applied', stream, prefix, error: (error as Error).message });
    }
  };
  const caughtUp = () => {
    markReady();
    changed();
  };
  const ended = (async () => {
    while (!closed) {
      let pending: number;
      try {
        const consumer = await orderedConsumer(nc, stream, { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: `${prefix}>` });
        pending = (await consumer.info(true)).num_pending;
        current = await consumer.consume({ expires: 10_000, idle_heartbeat: 2_000 });
      } catch (error) {
        // Waiting cannot help a missing permission or a closed connection; anything else (JetStream
        // not ready yet after a restart, a timeout) is tried again, and `ready` waits for it.
        if ((error as Error).name === 'PermissionViolationError' || nc.isClosed()) failReady(error as Error);
        if (nc.isClosed() || closed) return;
        options.log({ level: 'warn', msg: 'stream not followed; trying again', stream, prefix, error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (closed) {
        current.stop();
        break;
      }
      entries.clear();
      let live = pending === 0;
      if (live) caughtUp();
      void stallWatch(current, { stream, log: options.log });
      try {
        for await (const m of current) {
          const key = m.subject.slice(prefix.length);
          const operation = m.headers?.get('KV-Operation');
          if (operation === 'DEL' || operation === 'PURGE') entries.delete(key);
          else entries.set(key, { value: m.string(), storedAt: m.time.getTime() });
          if (live) changed();
          else if (m.info.pending === 0) {
            live = true;
            caughtUp();
          }
        }
      } catch (error) {
        // A consume that failed outright is made again, as one that stalled.
        options.log({ level: 'warn', msg: 'stream follower failed; making it again', stream, prefix, error: (error as Error).message });
      }
      current.stop();
      if (nc.isClosed()) return;
    }
  })();
  return {
    entries,
    ready,
    close: async () => {
      closed = true;
      current?.stop();
      await ended.catch(() => undefined);
    },
  };
}
