import { DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * A stream's messages from its first to `until` (or to its last message when the read starts),
 * in order, for the audit commands and rebuilds: an ordered consumer, closed when the read ends.
 */
export async function* readLog(nc: NatsConnection, stream: string, until?: number): AsyncGenerator<JsMsg> {
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  const last = until === undefined ? info.state.last_seq : Math.min(until, info.state.last_seq);
  if (info.state.messages === 0 || last < info.state.first_seq) return;
  const messages = await (await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All })).consume();
  try {
    for await (const m of messages) {
      yield m;
      if (m.seq >= last) return;
    }
  } finally {
    await messages.close();
  }
}
