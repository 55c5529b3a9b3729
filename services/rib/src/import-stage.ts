import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodePeerEvent, encodeRibInput, passThroughImport } from '#libs/events';
import { consumeBatches } from './batch-consumer.ts';

/**
 * The import stage until the policy service lands: every logged peer event becomes one RIB input
 * event (docs/spec-notes.md §6.1–§6.4), published with a message id derived from the peer event's
 * sequence, so a batch processed twice is stored once.
 */
export function startImportStage(
  nc: NatsConnection,
  options: { peerStream: string; ribSubject: string; restartMs: number; batch: number; log: (line: Record<string, unknown>) => void },
): Promise<{ stop(): Promise<void> }> {
  const js = jetstream(nc);
  return consumeBatches(nc, { stream: options.peerStream, durable: 'dpp-import', batch: options.batch, log: options.log }, async (messages) => {
    const published: Promise<unknown>[] = [];
    for (const m of messages) {
      const event = decodePeerEvent(m.string());
      if (Result.isFailure(event)) {
        // Quarantined: it stays in the log for inspection and is never applied half-way.
        options.log({ level: 'error', msg: 'peer event quarantined: not a valid v1 event', stream: options.peerStream, seq: m.seq, error: event.failure });
        continue;
      }
      published.push(js.publish(options.ribSubject, encodeRibInput(passThroughImport(event.success, m.seq, options.restartMs)), { msgID: `import-${m.seq}` }));
    }
    await Promise.all(published);
  });
}
