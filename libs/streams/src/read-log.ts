import { DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { deliveries, restartPacing, STARVED } from './starved.ts';

/**
 * A stream's messages from its first (or `from`) to `until` (or to its last message when the read
 * starts), in order, for the audit commands, rebuilds and snapshots: an ordered consumer, closed
 * when the read ends. With `subject`, only the messages on it.
 */
export async function* readLog(nc: NatsConnection, stream: string, until?: number, subject?: string, from?: number): AsyncGenerator<JsMsg> {
  const info = await (await jetstreamManager(nc)).streams.info(stream).catch((error: Error) => {
    // nats.js says "stream not found" without the name: a reader is asked about one stream, and says which.
    throw /stream not found/i.test(error.message) ? new Error(`stream ${stream} not found on this NATS server: a speaker's logs are named in its config (streams, nats.stream), its tables after fib.bucket_prefix and its gateways and peers`) : error;
  });
  const last = until === undefined ? info.state.last_seq : Math.min(until, info.state.last_seq);
  if (info.state.messages === 0 || last < info.state.first_seq) return;
  /** Where the consumer reads from: `from`, then, made again after a starved one (starved.ts), the message after the last read. */
  let next = from;
  const paced = restartPacing(() => undefined);
  for (;;) {
    const position = next === undefined ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next };
    const consumer = await orderedConsumer(nc, stream, { ...position, ...(subject === undefined ? {} : { filter_subjects: subject }) });
    if (subject !== undefined && (await consumer.info(true)).num_pending === 0) return;
    const messages = await consumer.consume({ max_bytes: PULL_BYTES });
    try {
      const delivered = deliveries(messages);
      for (;;) {
        const got = await delivered.next();
        if (got === STARVED) {
          await paced(delivered.deliveredAny);
          break;
        }
        if (got.done) return;
        const m = got.value;
        if (m.seq > last) return;
        next = m.seq + 1;
        yield m;
        // Filtered, the last message may be one the consumer never delivers: it ends when nothing is pending.
        if (m.seq >= last || (subject !== undefined && m.info.pending === 0)) return;
      }
    } finally {
      // stop, not close: close waits for the iterator's own loop, which reading by next() never ends.
      messages.stop();
      void consumer.delete().catch(() => false);
    }
  }
}

/**
 * How many bytes one pull of a reader asks for: a pull of many large messages (a batch of 512
 * change messages of up to 1,000 changes, a table's snapshot parts) overran nats.js 3.4, which
 * then lost messages without a word (measured with 8 MB messages).
 */
export const PULL_BYTES = 16 * 1024 * 1024;

/**
 * An ordered consumer, its creation tried again on a timeout: in a cluster that lost a node,
 * nats-server 2.9 goes on placing some new consumers on the lost node for a while, and their
 * creation times out (measured: about one in three, for minutes).
 */
export async function orderedConsumer(nc: NatsConnection, stream: string, options: Parameters<ReturnType<typeof jetstream>['consumers']['get']>[1]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await jetstream(nc).consumers.get(stream, options);
    } catch (error) {
      if (attempt >= 6 || !/timeout/i.test((error as Error).message)) throw error;
    }
  }
}
