import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodePeerEvent, passThroughImport, splitVerdict } from '#libs/events';
import { applyImportPolicy, type ImportPolicy } from '#libs/policy';
import { consumeBatches } from '#libs/streams';

const ID_PREFIX = 'import-';
/** The smallest max_payload a NATS server is run with here (its default is 1 MB). */
const MIN_MESSAGE_BYTES = 64 * 1024;

/**
 * The import stage until the policy service lands: every logged peer event becomes one RIB input
 * event (docs/spec-notes.md §6.1–§6.4), its routes judged by the import policy (libs/policy), with
 * the message id `import-<peer event seq>`, or, when
 * its verdict is larger than a NATS message can be, several (`import-<seq>.<part>/<parts>`).
 * Published one at a time, so the RIB input holds them in peer-log order; where the stage stands
 * is the id of the last one stored, so a restart resumes right after it (within a split verdict,
 * at its next part), and a publish retried is stored once.
 */
export function startImportStage(
  nc: NatsConnection,
  options: {
    peerStream: string;
    ribStream: string;
    ribSubject: string;
    restartMs: number;
    batch: number;
    /** The largest verdict message; default the server's max_payload less room for headers. */
    maxMessageBytes?: number;
    /** The import policy; default: accept every route. */
    policy?: ImportPolicy;
    log: (line: Record<string, unknown>) => void;
  },
): Promise<{ stop(): Promise<void> }> {
  const js = jetstream(nc);
  // Room for the headers besides the verdict itself.
  const maxBytes = options.maxMessageBytes ?? Math.max(MIN_MESSAGE_BYTES, (nc.info?.max_payload ?? MIN_MESSAGE_BYTES) - 4_096);
  /** A logged peer event as a verdict's log forms, or why it cannot be one: a bad envelope, bytes that are no PeerMessage, a route too large. */
  const importOne = (text: string, seq: number): Result.Result<string[], string> => {
    const event = decodePeerEvent(text);
    if (Result.isFailure(event)) return Result.fail(`not a valid v1 event: ${event.failure}`);
    try {
      const verdict = passThroughImport(event.success, seq, options.restartMs);
      return Result.succeed(splitVerdict(verdict.type === 'update' && options.policy ? applyImportPolicy(options.policy, verdict) : verdict, maxBytes));
    } catch (error) {
      return Result.fail((error as Error).message);
    }
  };
  /** Where a split verdict stopped: its peer seq, the next part, and how many parts it was split into. */
  let resume = { seq: 0, next: 0, of: 0 };
  const position = async (): Promise<number> => {
    const jsm = await jetstreamManager(nc);
    // null only when nothing was imported yet; any other failure goes to the retry path, never to "start over".
    const last = await jsm.streams.getMessage(options.ribStream, { last_by_subj: options.ribSubject });
    const id = /^import-(\d+)(?:\.(\d+)\/(\d+))?$/.exec(last?.header?.get('Nats-Msg-Id') ?? '');
    if (!id) return 1;
    const [seq, part, parts] = [Number(id[1]), Number(id[2] ?? 0), Number(id[3] ?? 1)];
    resume = { seq, next: part + 1, of: parts };
    return part + 1 < parts ? seq : seq + 1;
  };
  return consumeBatches(nc, { stream: options.peerStream, batch: options.batch, position, log: options.log }, async (messages) => {
    for (const m of messages) {
      const verdict = importOne(m.string(), m.seq);
      if (Result.isFailure(verdict)) {
        // Quarantined: it stays in the log for inspection and is never applied half-way.
        options.log({ level: 'error', msg: 'peer event quarantined', stream: options.peerStream, seq: m.seq, error: verdict.failure });
        continue;
      }
      const parts = verdict.success;
      // Split another way this time (another max_payload): all its parts again, which in order end where the whole does.
      for (let part = m.seq === resume.seq && parts.length === resume.of ? resume.next : 0; part < parts.length; part++) {
        await js.publish(options.ribSubject, parts[part]!, { msgID: parts.length === 1 ? `${ID_PREFIX}${m.seq}` : `${ID_PREFIX}${m.seq}.${part}/${parts.length}` });
      }
    }
  });
}
