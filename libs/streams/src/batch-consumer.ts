import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { orderedConsumer, PULL_BYTES } from './read-log.ts';
import { deliveries, restartPacing, STARVED } from './starved.ts';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Reads a stream in order, a batch at a time, from a position the reader keeps durably itself
 * (the RIB's checkpoint, the import stage's last output): an ordered consumer starting there, so
 * delivery has no gaps and needs no acknowledgments. A durable consumer cannot give this: after a
 * crash it delivers later messages before it redelivers the dead reader's batch, and acknowledging
 * those (ack policy all) acknowledges the batch that was never applied. If `handle` fails, the
 * reader restarts from `position()`, which says where its durable state stands.
 *
 * A batch ends when it is full or when the server has nothing more pending: a lone message is
 * handled at once, not after a fetch's expiry (the FIB convergence figure in bench/). A consumer
 * that starves (starved.ts) is replaced by one from the next sequence, the batch in hand applied.
 */
export async function consumeBatches(
  nc: NatsConnection,
  options: { stream: string; batch: number; position: () => Promise<number>; log: (line: Record<string, unknown>) => void },
  handle: (messages: readonly JsMsg[]) => Promise<void>,
): Promise<{ stop(): Promise<void> }> {
  let running = true;
  let messages: ConsumerMessages | undefined;
  /**
   * Where to read on after a starved consumer (starved.ts): what is in memory is current there, so
   * it is not reloaded, also when making the new consumer fails. Cleared once one is made: any other
   * end of it goes back to the durable position.
   */
  let readOn: number | undefined;
  const paced = restartPacing((waitMs) => options.log({ level: 'warn', msg: 'consumers keep starving with nothing delivered (a message over the pull size?); trying again', stream: options.stream, from: readOn, waitMs }));
  const loop = (async () => {
    while (running) {
      try {
        const from = readOn ?? (await options.position());
        const consumer = await orderedConsumer(nc, options.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
        readOn = undefined;
        try {
          // A byte limit, not a count (nats.js takes one of the two): small events come in thousands a pull, large ones a few.
          messages = await consumer.consume({ max_bytes: PULL_BYTES, expires: 10_000, idle_heartbeat: 2_000 });
          if (!running) break;
          void stallWatch(messages, options);
          const delivered = deliveries(messages);
          let batch: JsMsg[] = [];
          let last = from - 1;
          for (;;) {
            const next = await delivered.next();
            if (next === STARVED) {
              // The batch in hand is applied, and a new consumer goes on after it; this one pulls no more meanwhile.
              messages.stop();
              if (batch.length > 0 && running) await handle(batch);
              readOn = last + 1;
              options.log({ level: 'debug', msg: 'consumer starved; a new one reads on', stream: options.stream, from: readOn });
              await paced(delivered.deliveredAny);
              break;
            }
            if (next.done) break;
            const m = next.value;
            last = m.seq;
            batch.push(m);
            if (batch.length < options.batch && m.info.pending > 0) continue;
            if (!running) break;
            await handle(batch);
            batch = [];
          }
        } finally {
          // stop, not close: close waits for an iteration that, when `stop()` came first, never began.
          messages?.stop();
          // Each retry makes a new consumer: the old one must not linger on the server.
          await consumer.delete().catch(() => false);
        }
      } catch (error) {
        // NATS away, or a batch that could not be made durable: start again from the durable position.
        options.log({ level: 'warn', msg: 'batch not applied; resuming from the durable position', stream: options.stream, error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      messages?.stop();
      await loop;
    },
  };
}

/**
 * Ends a consume that stopped delivering: heartbeats missed again and again, or the consumer gone
 * (its node lost in a cluster: nats.js's own reset can keep failing there). The loop then makes a
 * new consumer from the durable position; the batch in hand was not applied, so nothing is lost.
 */
export async function stallWatch(messages: ConsumerMessages, options: { stream: string; log: (line: Record<string, unknown>) => void }): Promise<void> {
  for await (const status of messages.status()) {
    const stalled = (status.type === 'heartbeats_missed' && status.count >= 3) || status.type === 'consumer_not_found' || status.type === 'consumer_deleted' || status.type === 'stream_not_found';
    if (!stalled) continue;
    options.log({ level: 'warn', msg: 'consumer stalled; making a new one from the durable position', stream: options.stream, status: status.type });
    messages.stop();
    return;
  }
}

