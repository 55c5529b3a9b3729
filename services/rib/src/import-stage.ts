import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodePeerEvent, encodeRibInput, passThroughImport } from '#libs/events';
import type { RibEvent } from '#libs/rib';
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
  /** A logged peer event as a verdict, or why it cannot be one: a bad envelope or bytes that are no PeerMessage. */
  const importOne = (text: string, seq: number): Result.Result<RibEvent, string> => {
    const event = decodePeerEvent(text);
    if (Result.isFailure(event)) return Result.fail(`not a valid v1 event: ${event.failure}`);
    try {
      return Result.succeed(passThroughImport(event.success, seq, options.restartMs));
    } catch (error) {
      return Result.fail((error as Error).message);
    }
  };
  const position = async (): Promise<number> => {
    const jsm = await jetstreamManager(nc);
    // null only when nothing was imported yet; any other failure goes to the retry path, never to "start over".
    const last = await jsm.streams.getMessage(options.ribStream, { last_by_subj: options.ribSubject });
    const id = last?.header?.get('Nats-Msg-Id') ?? '';
    return id.startsWith(ID_PREFIX) ? Number(id.slice(ID_PREFIX.length)) + 1 : 1;
  };
  return consumeBatches(nc, { stream: options.peerStream, batch: options.batch, position, log: options.log }, async (messages) => {
    for (const m of messages) {
      const verdict = importOne(m.string(), m.seq);
      if (Result.isFailure(verdict)) {
        // Quarantined: it stays in the log for inspection and is never applied half-way.
        options.log({ level: 'error', msg: 'peer event quarantined', stream: options.peerStream, seq: m.seq, error: verdict.failure });
        continue;
      }
      await js.publish(options.ribSubject, encodeRibInput(verdict.success), { msgID: `${ID_PREFIX}${m.seq}` });
    }
  });
}
