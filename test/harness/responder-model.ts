import { gunzipSync } from 'node:zlib';
import { NotificationCode, step, type SessionInput, type SessionOutput, type SessionState } from '#libs/session';
import type { PeerMessage__Output } from '#libs/wire';
import { peerService, type Received } from '../../services/session/src/peer-service.ts';

/** How the Responder ends its side of a stream, as a client sees it (by `verdictText`). */
export type Verdict =
  /** A Notification of level ERROR with this code, then the stream ended (grpc-status 0). */
  | { readonly kind: 'notification'; readonly code: number }
  /** The stream ended (grpc-status 0) with nothing said: the peer ended it, or sent an ERROR Notification. */
  | { readonly kind: 'silent' }
  /** grpc-js ended the call with this grpc-status before any PeerMessage could be read. */
  | { readonly kind: 'status'; readonly code: number };

export const verdictText = (v: Verdict): string => (v.kind === 'silent' ? 'silent' : `${v.kind} ${v.code}`);

/** What the speaker reads a stream with: its limits and the grpc-encoding the client declared. */
export interface StreamReader {
  /** Ours (limits.ts): a message above is LIMIT_MESSAGE_SIZE. */
  readonly maxMessageBytes: number;
  /** grpc-js's (peer-service.ts transportLimit): a length above ends the call RESOURCE_EXHAUSTED. */
  readonly transportMax: number;
  readonly encoding: string;
  /** The grpc-timeout header, if the client sent one. */
  readonly deadline?: string | undefined;
}

/** A message the session is given: decoded, or refused before the state machine sees it. */
type Item = { readonly message: PeerMessage__Output } | { readonly verdict: Verdict };

// gRPC status codes grpc-js answers with (grpc/src/constants).
const RESOURCE_EXHAUSTED = 8;
const UNIMPLEMENTED = 12;
const DEADLINE_EXCEEDED = 4;
const INTERNAL = 13;
/** grpc-js's reading of grpc-timeout (server-interceptors.js): anything else is refused at once. */
const DEADLINE = /^\d{1,8}[HMSmun]$/;

/**
 * The messages the speaker's framing check (grpc-framing.ts), grpc-js and our deserializer
 * (peer-service.ts, called here) make of the bytes a client wrote after a frame boundary: each
 * decoded, or refused with its verdict. grpc-js decodes on past a refusal (the session's answer
 * comes later), up to a length header over its limit, which ends the call at once; so does broken
 * framing (a Compressed-Flag the stream cannot have, a message the client's END_STREAM cut short).
 */
export function readFrames(bytes: Buffer, reader: StreamReader): Item[] {
  const deserialize = peerService(reader.maxMessageBytes)['Peer']!.requestDeserialize as (bytes: Buffer) => Received;
  const items: Item[] = [];
  const status = (code: number): Item => ({ verdict: { kind: 'status', code } });
  for (let at = 0; at < bytes.length; ) {
    if (at + 5 > bytes.length) return [...items, status(INTERNAL)];
    const flag = bytes.readUInt8(at);
    // The framing check reads a header before grpc-js does.
    if (flag > 1 || (flag === 1 && reader.encoding === 'identity')) return [...items, status(INTERNAL)];
    const length = bytes.readUInt32BE(at + 1);
    if (length > reader.transportMax) return [...items, status(RESOURCE_EXHAUSTED)];
    if (at + 5 + length > bytes.length) return [...items, status(INTERNAL)];
    let payload = bytes.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    if (flag === 1) {
      if (reader.encoding !== 'gzip') {
        items.push(status(UNIMPLEMENTED));
        continue;
      }
      try {
        payload = gunzipSync(payload, { maxOutputLength: reader.transportMax + 1 });
      } catch (error) {
        items.push(status((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? RESOURCE_EXHAUSTED : INTERNAL));
        continue;
      }
      if (payload.length > reader.transportMax) {
        items.push(status(RESOURCE_EXHAUSTED));
        continue;
      }
    }
    // The speaker's own deserializer says what the session is given; the session answers its refusals so.
    const received = deserialize(payload);
    if ('oversize' in received) items.push({ verdict: { kind: 'notification', code: NotificationCode.LIMIT_MESSAGE_SIZE } });
    else if ('malformed' in received) items.push({ verdict: { kind: 'notification', code: NotificationCode.MALFORMED_MESSAGE } });
    else items.push({ message: received.message });
  }
  return items;
}

/**
 * Every verdict the Responder may give a stream whose session is in `state` when `bytes` arrive,
 * the client ending its side after them: the session's own state machine (fuzzed on its own by
 * libs/session/test/session-fsm.fuzz.test.ts) is the oracle, so what is checked here is that the
 * transport, the deserializer and the shell deliver its verdict, nothing else and nothing less.
 * The Responder's own work (the identity lookup, the signature check) ends at a time the client
 * cannot see: `pending` is such a result not in yet, and each may come in before any message or
 * not at all, so there may be several verdicts. Answers them by `verdictText`; a Notification
 * that a gRPC error status may overtake also as "<notification> + status <code>".
 */
export function expectedVerdicts(state: SessionState, pending: SessionInput | undefined, bytes: Buffer, reader: StreamReader, work: (output: SessionOutput) => SessionInput | undefined): string[] {
  const verdicts = new Map<string, Verdict>();
  const run = (s: SessionState, waiting: SessionInput | undefined, items: readonly Item[]): void => {
    if (waiting) {
      const now = feed(s, waiting);
      if ('verdict' in now) verdicts.set(verdictText(now.verdict), now.verdict);
      else run(now.state, now.waiting, items);
    }
    const [item, ...rest] = items;
    if (item === undefined) return void verdicts.set('silent', { kind: 'silent' });
    if ('verdict' in item) return void verdicts.set(verdictText(item.verdict), item.verdict);
    const next = feed(s, { type: 'received', message: item.message });
    if ('verdict' in next) return void verdicts.set(verdictText(next.verdict), next.verdict);
    run(next.state, next.waiting ?? waiting, rest);
  };
  const feed = (s: SessionState, input: SessionInput): { verdict: Verdict } | { state: SessionState; waiting: SessionInput | undefined } => {
    const result = step(s, input, Date.now());
    let waiting: SessionInput | undefined;
    for (const output of result.outputs) {
      if (output.type === 'closed') return { verdict: output.byPeer ? { kind: 'silent' } : { kind: 'notification', code: output.code } };
      waiting = work(output) ?? waiting;
    }
    return { state: result.state, waiting };
  };
  if (reader.deadline !== undefined && !DEADLINE.test(reader.deadline)) return [verdictText({ kind: 'status', code: INTERNAL })];
  const items = readFrames(bytes, reader);
  run(state, pending, items);
  if (reader.deadline !== undefined) items.push({ verdict: { kind: 'status', code: DEADLINE_EXCEEDED } });
  // grpc-js ends the call on such bytes as soon as it decodes them, and they may share an HTTP/2
  // DATA frame (or a read) with the messages before: those go unread, or the session's answer to
  // one is sent and its status overtaken. Where the stream holds such bytes, both may be seen;
  // so too where the client set a deadline, which may pass at any point.
  for (const item of items) {
    if (!('verdict' in item) || item.verdict.kind !== 'status') continue;
    const status = item.verdict;
    verdicts.set(verdictText(status), status);
    for (const v of [...verdicts.values()]) if (v.kind === 'notification') verdicts.set(`${verdictText(v)} + status ${status.code}`, v);
  }
  return [...verdicts.keys()];
}
