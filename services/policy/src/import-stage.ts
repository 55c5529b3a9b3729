import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result, Schema } from 'effect';
import { decodeLoggedEvent, passThroughImport, policyEventSubject, splitVerdict, type LoggedEvent, type PeerEvent, type PolicyEvent } from '#libs/events';
import { ACCEPT_ALL, AdjRibIn, applyImportPolicy, compilePolicy, PolicyFile, type ImportPolicy } from '#libs/policy';
import type { RibEvent } from '#libs/rib';
import { messageRoom, publisherFor, publishInOrder, readLog, startProjection, type OrderedMessage, type SubjectTail } from '#libs/streams';

const ID_PREFIX = 'import-';
const QUARANTINED = 'peer event quarantined';

/** The import policy in force and the version it came from (none before the first policy event). */
interface InForce {
  readonly version: string | undefined;
  readonly policy: ImportPolicy;
}
const NO_POLICY: InForce = { version: undefined, policy: ACCEPT_ALL.import };

/** A logged policy event's import policy, or why it cannot be applied. */
function compiled(event: PolicyEvent, seq: number): Result.Result<InForce, string> {
  const file = Schema.decodeUnknownResult(PolicyFile)(event.policy);
  if (Result.isFailure(file)) return Result.fail(`policy version ${event.version} at ${seq} does not decode: ${String(file.failure)}`);
  const { policy, problems } = compilePolicy(file.success, `policy version ${event.version}`);
  return problems.length > 0 ? Result.fail(problems.join('; ')) : Result.succeed({ version: event.version, policy: policy.import });
}

/**
 * The policy service's import stage: every logged peer event becomes one RIB input event
 * (docs/spec-notes.md §6.1–§6.4), its routes judged by the import policy in force at that point of
 * the log, with the message id `import-<peer event seq>`, or, when its verdict is larger than a
 * NATS message can be, several (`import-<seq>.<part>/<parts>`). A policy event in the log changes
 * the policy from there on, and re-judges the routes of the neighbors that are up (the Adj-RIB-In,
 * folded from the log before it): the verdicts of what changed get the policy event's sequence
 * (docs/spec-notes.md, policy versions). A batch's verdicts are published pipelined, in order
 * (libs/streams publishInOrder: the server refuses one that would land ahead of its
 * predecessor), so the RIB input holds them in peer-log order; where the stage stands is the id of the last one stored, so a restart resumes
 * right after it (within a split verdict, at its next part), and a publish retried is stored once.
 */
export async function startImportStage(
  nc: NatsConnection,
  options: {
    peerStream: string;
    ribStream: string;
    ribSubject: string;
    restartMs: number;
    batch: number;
    /** The largest verdict message; default the server's max_payload less room for headers. */
    maxMessageBytes?: number;
    log: (line: Record<string, unknown>) => void;
    /** Each verdict stored, for the counters (a peer event's, or one of a reconfiguration's). */
    onVerdict?: (verdict: RibEvent) => void;
  },
): Promise<{ stop(): Promise<void>; position(): number }> {
  const maxBytes = options.maxMessageBytes ?? messageRoom(nc);
  let inForce = NO_POLICY;
  const quarantine = (seq: number, error: string) => options.log({ level: 'error', msg: QUARANTINED, stream: options.peerStream, seq, error });

  /** The verdict of one peer event under a policy, as the log forms it takes, or why it has none (bytes that are no PeerMessage, a route too large for a message). */
  const verdictOf = (event: PeerEvent, seq: number, policy: ImportPolicy): Result.Result<{ raw: RibEvent; judged: RibEvent; parts: string[] }, string> => {
    try {
      const raw = passThroughImport(event, seq, options.restartMs);
      const judged = raw.type === 'update' ? applyImportPolicy(policy, raw) : raw;
      return Result.succeed({ raw, judged, parts: splitVerdict(judged, maxBytes) });
    } catch (error) {
      return Result.fail((error as Error).message);
    }
  };
  /**
   * A policy version at `seq`: what it changes in the routes of the neighbors up then, as log
   * forms. The Adj-RIB-In is the log before it as the stage read it: an event it quarantined
   * (under the policy of its time) holds no route here either.
   */
  const reconfigure = async (next: InForce, seq: number): Promise<string[]> => {
    if (next.version === inForce.version) return [];
    const adjRibIn = new AdjRibIn();
    let then = NO_POLICY;
    for await (const m of readLog(nc, options.peerStream, seq - 1)) {
      const event = decodeLoggedEvent(m.string());
      if (Result.isFailure(event)) continue;
      if (event.success.kind === 'policy') {
        then = Result.getOrElse(compiled(event.success, m.seq), () => then);
        continue;
      }
      if (event.success.kind === 'peer-admin') continue;
      const verdict = verdictOf(event.success, m.seq, then.policy);
      if (Result.isSuccess(verdict)) adjRibIn.apply(verdict.success.raw);
    }
    const verdicts = adjRibIn.reconfigure(inForce.policy, next.policy, seq);
    options.log({ level: 'info', msg: 'import policy version in force', version: next.version, seq, routesReevaluated: adjRibIn.size, neighborsChanged: verdicts.length });
    // One neighbor's verdict that cannot be stored (a route made too large by the new policy) is quarantined alone.
    return verdicts.flatMap((v) => {
      try {
        const parts = splitVerdict(v, maxBytes);
        options.onVerdict?.(v);
        return parts;
      } catch (error) {
        quarantine(seq, `reconfiguration of ${v.type === 'update' ? v.neighbor : ''}: ${(error as Error).message}`);
        return [];
      }
    });
  };
  /** A logged event as the log forms of its verdicts, or why it cannot be applied. */
  const importOne = async (event: LoggedEvent, seq: number): Promise<Result.Result<string[], string>> => {
    if (event.kind === 'policy') {
      const next = compiled(event, seq);
      if (Result.isFailure(next)) return Result.fail(next.failure);
      const parts = await reconfigure(next.success, seq);
      inForce = next.success;
      return Result.succeed(parts);
    }
    // An operator's disable ends the peer's sessions: their session-down events withdraw its routes, not this one.
    if (event.kind === 'peer-admin') return Result.succeed([]);
    const verdict = verdictOf(event, seq, inForce.policy);
    if (Result.isFailure(verdict)) return Result.fail(verdict.failure);
    options.onVerdict?.(verdict.success.judged);
    return Result.succeed(verdict.success.parts);
  };

  /** The policy in force just before `seq`: the last valid policy event before it. */
  const policyBefore = async (seq: number): Promise<InForce> => {
    let found = NO_POLICY;
    for await (const m of readLog(nc, options.peerStream, seq - 1, await policySubject(nc, options.peerStream))) {
      const event = decodeLoggedEvent(m.string());
      if (Result.isSuccess(event) && event.success.kind === 'policy') found = Result.getOrElse(compiled(event.success, m.seq), () => found);
    }
    return found;
  };

  /** The last peer event handled, for the lag. */
  let handled = 0;
  /** Where a split verdict stopped: its peer seq, the next part, and how many parts it was split into. */
  let resume = { seq: 0, next: 0, of: 0 };
  /** The last verdict stored: what the next publish expects to follow. */
  let tail: SubjectTail = { seq: 0 };
  const position = async (): Promise<number> => {
    const jsm = await jetstreamManager(nc);
    // null only when nothing was imported yet; any other failure goes to the retry path, never to "start over".
    const last = await jsm.streams.getMessage(options.ribStream, { last_by_subj: options.ribSubject });
    tail = { seq: last?.seq ?? 0 };
    const id = /^import-(\d+)(?:\.(\d+)\/(\d+))?$/.exec(last?.header?.get('Nats-Msg-Id') ?? '');
    const from = (() => {
      if (!id) return 1;
      const [seq, part, parts] = [Number(id[1]), Number(id[2] ?? 0), Number(id[3] ?? 1)];
      resume = { seq, next: part + 1, of: parts };
      return part + 1 < parts ? seq : seq + 1;
    })();
    inForce = await policyBefore(from);
    handled = from - 1;
    return from;
  };
  const consumer = await startProjection<LoggedEvent, OrderedMessage>(nc, {
    stream: options.peerStream,
    batch: options.batch,
    log: options.log,
    resume: position,
    decode: (text) => Result.mapError(decodeLoggedEvent(text), (failure) => `not a valid v1 event: ${failure}`),
    quarantined: QUARANTINED,
    decide: async (event, seq) =>
      Result.map(await importOne(event, seq), (parts) => {
        const out: OrderedMessage[] = [];
        // Split another way this time (another max_payload): all its parts again, which in order end where the whole does.
        for (let part = seq === resume.seq && parts.length === resume.of ? resume.next : 0; part < parts.length; part++) {
          out.push({ data: parts[part]!, msgId: parts.length === 1 ? `${ID_PREFIX}${seq}` : `${ID_PREFIX}${seq}.${part}/${parts.length}` });
        }
        return out;
      }),
    publish: async (out) => {
      tail = await publishInOrder(publisherFor(nc), options.ribSubject, out, tail, { log: options.log });
    },
    commit: ({ last }) => {
      handled = last;
    },
  });
  return { stop: consumer.stop, position: () => handled };
}

/** The subject policy events are logged on (libs/events policyEventSubject), the prefix being the peer stream's (`<prefix>.>`). */
async function policySubject(nc: NatsConnection, peerStream: string): Promise<string> {
  const subjects = (await (await jetstreamManager(nc)).streams.info(peerStream)).config.subjects ?? [];
  const wildcard = subjects.find((s) => s.endsWith('.>'));
  if (wildcard === undefined) throw new Error(`stream ${peerStream} has no subjects <prefix>.>: it is not a peer event log`);
  return policyEventSubject(wildcard.slice(0, -2));
}
