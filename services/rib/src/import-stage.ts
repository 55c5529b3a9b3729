import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodePeerEvent, encodeRibInput, passThroughImport } from '#libs/events';
import { consumeBatches } from './batch-consumer.ts';

const ID_PREFIX = 'import-';

/**
 * The import stage until the policy service lands: every logged peer event becomes one RIB input
 * event (docs/spec-notes.md §6.1–§6.4) with the message id `import-<peer event seq>`. Published
 * one at a time, so the RIB input holds them in peer-log order; where the stage stands is the id of
 * the last one stored, so a restart resumes right after it, and a publish retried is stored once.
 */
export function startImportStage(
  nc: NatsConnection,
  options: { peerStream: string; ribStream: string; ribSubject: string; restartMs: number; batch: number; log: (line: Record<string, unknown>) => void },
): Promise<{ stop(): Promise<void> }> {
  const js = jetstream(nc);
  const position = async (): Promise<number> => {
    const jsm = await jetstreamManager(nc);
    const last = await jsm.streams.getMessage(options.ribStream, { last_by_subj: options.ribSubject }).catch(() => undefined);
    const id = last?.header?.get('Nats-Msg-Id') ?? '';
    return id.startsWith(ID_PREFIX) ? Number(id.slice(ID_PREFIX.length)) + 1 : 1;
  };
  return consumeBatches(nc, { stream: options.peerStream, batch: options.batch, position, log: options.log }, async (messages) => {
    for (const m of messages) {
      const event = decodePeerEvent(m.string());
      if (Result.isFailure(event)) {
        // Quarantined: it stays in the log for inspection and is never applied half-way.
        options.log({ level: 'error', msg: 'peer event quarantined: not a valid v1 event', stream: options.peerStream, seq: m.seq, error: event.failure });
        continue;
      }
      await js.publish(options.ribSubject, encodeRibInput(passThroughImport(event.success, m.seq, options.restartMs)), { msgID: `${ID_PREFIX}${m.seq}` });
    }
  });
}
