import { randomBytes, randomUUID } from 'node:crypto';
import { Result } from 'effect';
import { lookupDtnIdentity, signNonce, verifyNonce, type AdKeyPair, type LookupOptions } from '#libs/identity';
import { initialSession, nextDeadline, NotificationCode, step, type Role, type SessionConfig, type SessionInput, type SessionOutput, type SessionState } from '#libs/session';
import type { PeerMessage, RouteUpdate } from '#libs/wire';
import type { PeerEvent, PeerEventLog } from './event-log.ts';
import type { Received } from './peer-service.ts';

/** The bidi stream of one session: grpc-js's server and client duplex calls both fit. */
export interface PeerStream {
  write(message: PeerMessage): boolean;
  end(): void;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (received: Received) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface SessionDeps {
  readonly key: AdKeyPair;
  readonly lookup: LookupOptions;
  readonly events: PeerEventLog;
  /** Structured log: one JSON object a line, with the session id and peer AD on every line. */
  readonly log: (line: Record<string, unknown>) => void;
  readonly now: () => number;
  /** Un-acknowledged events in flight before the session stops reading its stream. */
  readonly maxInFlight: number;
  /** How long the event log may refuse or delay an event before the session is closed. */
  readonly eventLogTimeoutMs: number;
}

export interface SessionOutcome {
  readonly sessionId: string;
  readonly established: boolean;
  readonly code: number;
  readonly reason: string;
  readonly byPeer: boolean;
}

/**
 * Runs one session: feeds stream events, timer ticks and the results of its own work to the pure
 * FSM, one input at a time, and carries out what it asks. Nothing here decides protocol matters.
 */
export interface SessionHandle {
  readonly sessionId: string;
  readonly done: Promise<SessionOutcome>;
  /** Routes to send; the FSM sends them only when ESTABLISHED. */
  send(update: RouteUpdate): void;
  stop(reason: string): void;
}

export function runSession(role: Role, config: SessionConfig, stream: PeerStream, deps: SessionDeps, peerAd?: string): SessionHandle {
  const sessionId = randomUUID();
  let state: SessionState = initialSession(role, config, deps.now(), peerAd);
  let timer: NodeJS.Timeout | undefined;
  let wasEstablished = false;
  let eventCount = 0;
  let inFlight = 0;
  let logGiveUp: NodeJS.Timeout | undefined;
  let finish: (outcome: SessionOutcome) => void = () => undefined;
  const done = new Promise<SessionOutcome>((resolve) => (finish = resolve));
  const queue: SessionInput[] = [];
  let stepping = false;
  /** The wire bytes of each received RouteUpdate, for the event log (keyed by the decoded update). */
  const wireBytes = new WeakMap<object, Buffer>();

  const log = (line: Record<string, unknown>) => deps.log({ session: sessionId, role, peerAd: state.peerAd, phase: state.phase, ...line });

  const feed = (input: SessionInput) => {
    queue.push(input);
    if (stepping) return;
    stepping = true;
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const result = step(state, next, deps.now());
      state = result.state;
      for (const output of result.outputs) perform(output);
    }
    stepping = false;
    clearTimeout(timer);
    const at = nextDeadline(state);
    if (at !== undefined) timer = setTimeout(() => feed({ type: 'tick' }), Math.max(0, at - deps.now()));
  };

  const event = (kind: PeerEvent['kind'], extra: Partial<PeerEvent>): PeerEvent => ({
    v: 1,
    kind,
    sessionId,
    speakerId: config.speakerId,
    peerAd: state.peerAd ?? '',
    peerSpeakerId: state.peerSpeakerId ?? '',
    receivedAt: deps.now(),
    ...extra,
  });

  /** Appends an event, retrying the same message id until it is durable or the session gives up. */
  const append = (e: PeerEvent) => {
    const msgId = `${sessionId}-${++eventCount}`;
    if (++inFlight >= deps.maxInFlight) stream.pause();
    logGiveUp ??= setTimeout(
      () => feed({ type: 'refuse', code: NotificationCode.EVENT_LOG_UNAVAILABLE, reason: `event log did not take an event within ${deps.eventLogTimeoutMs} ms` }),
      deps.eventLogTimeoutMs,
    );
    const attempt = (delay: number): void => {
      deps.events.append(e, msgId).then(
        () => {
          if (--inFlight < deps.maxInFlight / 2) stream.resume();
          if (inFlight === 0) {
            clearTimeout(logGiveUp);
            logGiveUp = undefined;
          }
        },
        (error: Error) => {
          log({ level: 'warn', msg: 'event log append failed; retrying', error: error.message, msgId });
          if (state.phase !== 'FAILED' || e.kind === 'session-down') setTimeout(() => attempt(Math.min(delay * 2, 2_000)), delay);
        },
      );
    };
    attempt(100);
  };

  const perform = (output: SessionOutput) => {
    switch (output.type) {
      case 'send':
        stream.write(output.message);
        return;
      case 'lookup-identity':
        void lookupDtnIdentity(output.ad, deps.lookup).then((identity) => {
          if (Result.isFailure(identity)) return feed({ type: 'identity-failed', reason: identity.failure.reason, detail: identity.failure.detail });
          if (!identity.success.authenticated) log({ level: 'warn', msg: 'identity accepted WITHOUT DNSSEC (lab opt-out)', ad: output.ad });
          for (const skipped of identity.success.skipped) log({ level: 'info', msg: 'SVCB record passed over', skipped });
          feed({ type: 'identity-found', keys: identity.success.keys, nonce: new Uint8Array(randomBytes(32)) });
        });
        return;
      case 'sign':
        void signNonce(output.nonce, deps.key.secretKey).then((signature) => feed({ type: 'signed', signature }));
        return;
      case 'verify':
        void Promise.all(output.keys.map((key) => verifyNonce(output.signature, output.nonce, key))).then((ok) => feed({ type: 'verified', ok: ok.some(Boolean) }));
        return;
      case 'established':
        wasEstablished = true;
        log({ level: 'info', msg: 'session established', peerSpeakerId: output.peerSpeakerId, holdTime: output.holdTime });
        append(event('session-up', { holdTime: output.holdTime }));
        return;
      case 'route-update':
        append(event('route-update', { sequenceNumber: output.sequenceNumber, message: wireBytes.get(output.update)?.toString('base64') ?? '' }));
        return;
      case 'notice':
        log({ level: 'info', msg: output.message });
        return;
      case 'closed':
        log({ level: output.code === 0 ? 'info' : 'warn', msg: 'session closed', code: output.code, reason: output.reason, byPeer: output.byPeer });
        if (wasEstablished) append(event('session-down', { code: output.code, reason: output.reason }));
        clearTimeout(logGiveUp);
        stream.end();
        finish({ sessionId, established: wasEstablished, code: output.code, reason: output.reason, byPeer: output.byPeer });
        return;
      default:
        return output satisfies never;
    }
  };

  stream.on('data', (received) => {
    if ('oversize' in received) {
      return feed({ type: 'refuse', code: NotificationCode.LIMIT_MESSAGE_SIZE, reason: `a message of ${received.oversize} bytes is over the limit of ${received.limit}` });
    }
    if (received.message.update) wireBytes.set(received.message.update, received.bytes);
    feed({ type: 'received', message: received.message });
  });
  stream.on('end', () => feed({ type: 'transport-down', reason: 'stream ended by the peer' }));
  stream.on('error', (error) => feed({ type: 'transport-down', reason: error.message }));
  feed({ type: 'transport-up' });
  return { sessionId, done, send: (update) => feed({ type: 'send-update', update }), stop: (reason) => feed({ type: 'stop', reason }) };
}
