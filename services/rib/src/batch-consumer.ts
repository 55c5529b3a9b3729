import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Reads a stream in order through a durable consumer, a batch at a time: `handle` makes the
 * batch's effect durable, and only then is the batch acknowledged (one ack covers it: AckPolicy
 * All). A process killed mid-batch gets the batch again; handlers skip what they already applied.
 */
export async function consumeBatches(
  nc: NatsConnection,
  options: { stream: string; durable: string; batch: number; log: (line: Record<string, unknown>) => void },
  handle: (messages: readonly JsMsg[]) => Promise<void>,
): Promise<{ stop(): Promise<void> }> {
  const jsm = await jetstreamManager(nc);
  const wanted = { durable_name: options.durable, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: options.batch * 4 };
  const info = await jsm.consumers.info(options.stream, options.durable).catch(() => jsm.consumers.add(options.stream, wanted));
  // nats-server 2.9 drops settings it does not know without a word (platform.md): check what it kept.
  if (info.config.ack_policy !== AckPolicy.All || info.config.filter_subject) {
    throw new Error(`consumer ${options.durable} on ${options.stream} exists with ack policy ${info.config.ack_policy}${info.config.filter_subject ? ` and filter ${info.config.filter_subject}` : ''}: expected all, unfiltered`);
  }
  const consumer = await jetstream(nc).consumers.get(options.stream, options.durable);
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const batch: JsMsg[] = [];
        for await (const m of await consumer.fetch({ max_messages: options.batch, expires: 1_000 })) batch.push(m);
        if (batch.length === 0 || !running) continue;
        await handle(batch);
        batch.at(-1)!.ack();
      } catch (error) {
        // NATS away, or a handler that could not make a batch durable: nothing was acked, so it comes again.
        options.log({ level: 'warn', msg: 'batch not applied; retrying', stream: options.stream, error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
