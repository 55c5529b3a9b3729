import { constants as h2, type ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { NotificationCode, type SessionConfig } from '#libs/session';
import type { PeerMessage } from '#libs/wire';
import { tokenBucket } from './limits.ts';
import type { SpeakerLimits, TlsFiles } from '#libs/service-config';
import { peerService, transportLimit } from './peer-service.ts';
import { runSession, type PeerStream, type SessionDeps, type SessionHandle, type SessionOutcome } from './session-runner.ts';
import { serverCredentials } from './tls.ts';
import { addHealthService } from './health-service.ts';
import { framingCheck, type FramingError } from './grpc-framing.ts';

export interface ResponderOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls: TlsFiles | 'plaintext-lab';
  readonly config: SessionConfig;
  readonly limits: SpeakerLimits;
  readonly deps: SessionDeps;
  /** Called when a session ends, for counters and tests. */
  readonly onOutcome?: (outcome: SessionOutcome) => void;
  /** Answers grpc.health.v1.Health beside DtnPeering: whether the service is ready. */
  readonly ready?: () => boolean;
  /** Called when a call's gRPC framing is broken, for counters. */
  readonly onFramingError?: (error: FramingError) => void;
}

const SHUTDOWN_GRACE_MS = 2_000;

/** The Responder side: a gRPC server whose every DtnPeering/Peer call is one session (§7.1). */
export async function startResponder(options: ResponderOptions): Promise<{ port: number; sessions(): readonly SessionHandle[]; stop(): Promise<void> }> {
  const { limits, deps } = options;
  const server = new grpc.Server(transportLimit(limits.maxMessageBytes));
  const sessions = new Set<SessionHandle>();
  /**
   * Calls not over yet, those of ended sessions included: each holds its place under max_sessions
   * until its stream is gone, which `resettable` bounds to a couple of seconds after its session
   * ends, whatever the peer does (docs/spec-notes.md §9.4).
   */
  let calls = 0;
  const arrivals = tokenBucket(limits.connectionRate, deps.now());
  server.addService(peerService(limits.maxMessageBytes), {
    Peer: (call: grpc.ServerDuplexStream<unknown, PeerMessage>) => {
      // §9.4: refused before a session exists, with the one Notification a peer can act on.
      if (calls >= limits.maxSessions) return refuse(call, NotificationCode.LIMIT_SESSIONS, `already ${calls} sessions open or closing, the limit`, deps);
      if (!arrivals.take(deps.now())) return refuse(call, NotificationCode.LIMIT_CONNECTION_RATE, `more than ${limits.connectionRate.perSecond} new sessions/s`, deps);
      // Every line of the session names the address it came from: what an operator blocks.
      const peer = call.getPeer();
      const session = runSession('responder', options.config, framed(call, options.onFramingError), { ...deps, log: (line) => deps.log({ peer, ...line }) });
      sessions.add(session);
      calls++;
      // grpc-js says 'cancelled' once a call is over, whether its status went out or its stream was reset.
      call.once('cancelled', () => calls--);
      void session.done.then((outcome) => {
        sessions.delete(session);
        options.onOutcome?.(outcome);
      });
    },
  });
  if (options.ready) addHealthService(server, options.ready);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, serverCredentials(options.tls), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    sessions: () => [...sessions],
    stop: async () => {
      const ending = [...sessions];
      for (const session of ending) session.stop('speaker shutting down');
      await Promise.all(ending.map((s) => s.logged));
      // A peer that never closes its side would hold a graceful shutdown open: bound it.
      const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      const timer = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
      await graceful;
      clearTimeout(timer);
    },
  };
}

function refuse(call: grpc.ServerDuplexStream<unknown, PeerMessage>, code: NotificationCode, reason: string, deps: SessionDeps): void {
  deps.log({ level: 'warn', msg: 'session refused', code, reason, peer: call.getPeer() });
  call.write({ sequence_number: '1', notification: { level: 'ERROR', code, message: reason } });
  call.end();
  setTimeout(() => resettable(call).cancel?.(), RESET_GRACE_MS).unref();
}

/** How long a peer has to take the rest of our response, and then to end its side of the call, before its stream is reset. */
const RESET_GRACE_MS = 1_000;

/**
 * grpc-js ends a call with END_STREAM but never resets its HTTP/2 stream, and offers no way to: a
 * peer that read our whole response (Notification, status) but keeps its own side open kept the
 * stream, and the session's listeners, for as long as its connection lived, under no limit.
 * RFC 9113 §8.1 lets a server that sent its complete response reset the stream with NO_ERROR:
 * `cancel` (which the session calls once it is over) does, through grpc-js's call internals; should
 * they change, it does nothing and test/fuzz/peer-stream.fuzz.test.ts fails. A peer that has not
 * taken the whole response a grace later (it reads nothing, or opened no HTTP/2 window) would keep
 * the call for as long as its connection lives: its stream is reset with CANCEL, the rest of the
 * response lost on a peer that was not reading it. `endedByTransport` reads the status grpc-js sent
 * on the same stream: a message over grpc-js's own receive limit ends the call there, with no way for the
 * session to answer, and the session's log is to say so rather than blame the peer.
 */
function resettable(call: grpc.ServerDuplexStream<unknown, PeerMessage>): PeerStream {
  const stream = internals(call)?.stream;
  const closeWith = (code: number) => () => {
    if (stream && !stream.closed) stream.close(code);
  };
  const [reset, abort] = [closeWith(h2.NGHTTP2_NO_ERROR), closeWith(h2.NGHTTP2_CANCEL)];
  const cancel = () => {
    if (!stream || stream.closed) return;
    // The status goes in trailers after our messages, or alone in the response headers.
    if (stream.sentTrailers !== undefined || stream.sentHeaders?.['grpc-status'] !== undefined) return reset();
    stream.once('wantTrailers', () => setTimeout(reset, RESET_GRACE_MS).unref());
    setTimeout(() => (stream.sentTrailers !== undefined ? reset() : abort()), 2 * RESET_GRACE_MS).unref();
  };
  const endedByTransport = () => {
    const sent = stream?.sentTrailers ?? stream?.sentHeaders;
    const size = Number(sent?.['grpc-status']) === grpc.status.RESOURCE_EXHAUSTED ? /larger than max \((\d+) vs\.? (\d+)\)/.exec(decodeURIComponent(String(sent?.['grpc-message'] ?? ''))) : null;
    if (!size) return undefined;
    return { code: NotificationCode.LIMIT_MESSAGE_SIZE, reason: `a message of ${size[1]} bytes is over twice the limit of ${Number(size[2]) / 2}: the transport ended the stream before a Notification could go` };
  };
  return Object.assign(call as unknown as PeerStream, { cancel, abort, endedByTransport });
}

/** The grpc-js call under a handler's call object: what `resettable` and `framed` reach into, or undefined should that change. */
function internals(call: grpc.ServerDuplexStream<unknown, PeerMessage>) {
  return (call as unknown as { call?: { stream?: ServerHttp2Stream; incomingEncoding?: string; sendStatus?(status: { code: number; details: string }): void } }).call;
}

/**
 * A session's call whose request framing is checked (grpc-framing.ts) before grpc-js decodes it:
 * the first break ends the call with INTERNAL, and the session closes with MALFORMED_MESSAGE
 * and the break's description, reading none of what followed. The check reads the HTTP/2
 * stream beside grpc-js, first, so no message of a broken stream reaches the session after it.
 */
function framed(call: grpc.ServerDuplexStream<unknown, PeerMessage>, onError: ((error: FramingError) => void) | undefined): PeerStream {
  const peerStream = resettable(call);
  const inner = internals(call);
  if (!inner?.stream || !inner.sendStatus) return peerStream;
  const { stream } = inner;
  const check = framingCheck(inner.incomingEncoding ?? 'identity');
  let broken: FramingError | undefined;
  const refuse = (error: FramingError | undefined) => {
    if (!error || broken) return;
    broken = error;
    stream.off('data', onData);
    onError?.(error);
    inner.sendStatus?.({ code: grpc.status.INTERNAL, details: `broken gRPC framing: ${error.reason}` });
  };
  const onData = (chunk: Buffer) => refuse(check.write(chunk));
  stream.prependListener('data', onData);
  stream.prependListener('end', () => refuse(check.end()));
  const limit = peerStream.endedByTransport!;
  return Object.assign(peerStream, {
    endedByTransport: () => (broken ? { code: NotificationCode.MALFORMED_MESSAGE, reason: `broken gRPC framing: ${broken.reason}` } : limit()),
  });
}
