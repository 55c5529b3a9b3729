import { randomBytes, randomUUID } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Result } from 'effect';
import { lookupDtnIdentity, signNonce, verifyNonce, type AdKeyPair, type LookupOptions } from '#libs/identity';
import { initialSession, nextDeadline, NotificationCode, RouteCount, step, type RouteLimit, type Role, type SessionConfig, type SessionInput, type SessionOutput, type SessionState } from '#libs/session';
import type { PeerMessage, RouteUpdate } from '#libs/wire';
import type { SessionStats } from '#libs/api';
import type { PeerEvent } from '#libs/events';
import type { PeerEventLog } from './event-log.ts';
import { EventOutbox } from './event-outbox.ts';
import type { Received } from './peer-service.ts';

/** The bidi stream of one session: grpc-js's server and client duplex calls both fit. */
export interface PeerStream {
  /** `taken`: once this message has gone to the peer (within its HTTP/2 window). */
  write(message: PeerMessage, taken?: () => void): boolean;
  end(): void;
  /** Abandon the call: ending our side does not release the HTTP/2 stream while the peer keeps its side open. */
  cancel?(): void;
  /** A server call: reset it now, dropping what the peer has not taken (a client call's `cancel` does that). */
  abort?(): void;
  /** The other side's certificate (a server call: the client's, present only when the configured CA verified it). */
  getAuthContext?(): { readonly sslPeerCertificate?: PeerCertificate | undefined } | null;
  /** The other side's address, as grpc-js says it (`ipv4:127.0.0.1:4556`). */
  getPeer?(): string;
  /**
   * A server call the transport ended, not the session: a message over grpc-js's own receive
   * limit (twice ours), or broken gRPC framing. What the session closes with; else undefined.
   */
  endedByTransport?(): { readonly code: NotificationCode; readonly reason: string } | undefined;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (received: Received) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

export interface SessionDeps {
  readonly key: AdKeyPair;
  readonly lookup: LookupOptions;
  readonly events: PeerEventLog;
  /** Structured log: one JSON object a line, with the session id and peer AD on every line. */
  readonly log: (line: Record<string, unknown>) => void;
  readonly now: () => number;
  /** Events not yet acknowledged before the session stops reading its stream; also the publish window. */
  readonly maxInFlight: number;
  /** How long the event log may refuse or delay an event before the session is closed. */
  readonly eventLogTimeoutMs: number;
  /** The route limit of a peer AD (§9.4), if it has one. */
  readonly routeLimit?: (peerAd: string) => RouteLimit | undefined;
  /**
   * Starts sending an established session its peer's Adj-RIB-Out (full table, then changes);
   * `send` resolves when the stream can take more, so a slow peer slows the reading of the table
   * instead of filling memory.
   */
  readonly adjRibOut?: (peerAd: string, send: (update: RouteUpdate) => Promise<void>) => { refresh?(): void; stop(): void };
  /** Counters: a RouteUpdate received from a peer AD, routes dropped over its limit, an event the log acknowledged. */
  readonly count?: (what: 'update-received' | 'routes-over-limit' | 'event-logged', peerAd: string, n: number) => void;
  /** A session came up (its session-up is being logged): the liveness heartbeat says so at once. */
  readonly onEstablished?: () => void;
}

/** How long a closed call may still flush our Notification before it is cancelled. */
const CANCEL_GRACE_MS = 1_000;

export interface SessionOutcome {
  readonly sessionId: string;
  /** The peer AD, once its Hello named it; and when the session ended (ms). */
  readonly peerAd: string | undefined;
  readonly at: number;
  readonly established: boolean;
  readonly code: number;
  readonly reason: string;
  readonly byPeer: boolean;
}

export interface SessionHandle {
  readonly sessionId: string;
  /** Where it stands now (§8.1), and with whom once known: for the sessions-by-state gauge. */
  readonly phase: string;
  readonly peerAd: string | undefined;
  readonly peerSpeakerId: string | undefined;
  /** When it became ESTABLISHED (ms), for the session start time metric; undefined before. */
  readonly establishedAt: number | undefined;
  /** What the session has done so far, for the read API (dpp show peers PEER). */
  stats(): SessionStats;
  readonly done: Promise<SessionOutcome>;
  /** After `done`: the session's last events are in the log, or were given up after the log timeout. */
  readonly logged: Promise<void>;
  /** Routes to send; the FSM sends them only when ESTABLISHED. */
  send(update: RouteUpdate): void;
  stop(reason: string): void;
  /** Ends the session with ADMINISTRATIVE_RESET (an operator's dpp peer reset): the peer dials again, or is dialled. */
  reset(reason: string): void;
  /** Sends the peer the whole Adj-RIB-Out again (dpp peer refresh); false when not established. */
  refresh(): boolean;
}

/**
 * Runs one session: feeds stream events, timer ticks and the results of its own work to the pure
 * FSM, one input at a time, and carries out what it asks. Nothing here decides protocol matters.
 */
export function runSession(role: Role, config: SessionConfig, stream: PeerStream, deps: SessionDeps, peerAd?: string): SessionHandle {
  const sessionId = randomUUID();
  let state: SessionState = initialSession(role, config, deps.now(), peerAd);
  let timer: NodeJS.Timeout | undefined;
  let wasEstablished = false;
  let establishedAt: number | undefined;
  let holdTime: number | undefined;
  let svcbKey: string | undefined;
  const counts = { messagesIn: 0, messagesOut: 0, updatesIn: 0, updatesOut: 0, routesIn: 0, withdrawnIn: 0, routesOut: 0, withdrawnOut: 0, routesOverLimit: 0 };
  const tally = (update: { readonly announcements?: readonly { readonly patterns?: readonly unknown[] | null }[] | null; readonly withdrawals?: readonly { readonly patterns?: readonly unknown[] | null }[] | null }) => ({
    routes: (update.announcements ?? []).reduce((n, a) => n + (a.patterns?.length ?? 0), 0),
    withdrawn: (update.withdrawals ?? []).reduce((n, w) => n + (w.patterns?.length ?? 0), 0),
  });
  let eventCount = 0;
  let over = false;
  let paused = false;
  let logGiveUp: NodeJS.Timeout | undefined;
  let finish: (outcome: SessionOutcome) => void = () => undefined;
  const done = new Promise<SessionOutcome>((resolve) => (finish = resolve));
  let flushed: () => void = () => undefined;
  const logged = new Promise<void>((resolve) => (flushed = resolve));
  const queue: SessionInput[] = [];
  let stepping = false;
  /** The wire bytes of each received RouteUpdate, for the event log (keyed by the decoded update). */
  const wireBytes = new WeakMap<object, Buffer>();
  let limit: RouteLimit | undefined;
  let routes: RouteCount | undefined;
  let adjRibOut: { refresh?(): void; stop(): void } | undefined;
  /**
   * While the stream is full: resolves when it drains, or when the session is over. One at a
   * time, so every waiter is released together and one drain listener serves them all.
   */
  let full: { promise: Promise<void>; release: () => void } | undefined;

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
    n: ++eventCount,
    speakerId: config.speakerId,
    peerAd: state.peerAd ?? '',
    peerSpeakerId: state.peerSpeakerId ?? '',
    receivedAt: deps.now(),
    ...extra,
  });

  /**
   * Events go out in order through the outbox. While too many wait for their acknowledgment the
   * stream is not read (backpressure); if the log keeps failing past the timeout, the session ends.
   */
  const outbox = new EventOutbox<PeerEvent>((e, msgId) => deps.events.append(e, msgId), {
    window: deps.maxInFlight,
    onAcked: (pending) => {
      deps.count?.('event-logged', state.peerAd ?? '', 1);
      // The log takes events again: whatever failed before is being resent, so stop the clock.
      clearTimeout(logGiveUp);
      logGiveUp = undefined;
      if (paused && pending <= deps.maxInFlight / 2) {
        paused = false;
        stream.resume();
      }
    },
    onRetry: (error, delayMs) => {
      log({ level: 'warn', msg: 'event log append failed; resending in order', error: error.message, inMs: delayMs, pending: outbox.pending });
      logGiveUp ??= setTimeout(
        () => feed({ type: 'refuse', code: NotificationCode.EVENT_LOG_UNAVAILABLE, reason: `the event log took no event for ${deps.eventLogTimeoutMs} ms` }),
        deps.eventLogTimeoutMs,
      );
    },
  });
  const append = (e: PeerEvent) => {
    outbox.push(e, `${sessionId}-${e.n}`);
    if (!paused && outbox.pending >= deps.maxInFlight) {
      paused = true;
      stream.pause();
    }
  };

  const perform = (output: SessionOutput) => {
    switch (output.type) {
      case 'send':
        counts.messagesOut++;
        if (output.message.update) {
          const sent = tally(output.message.update);
          counts.updatesOut++;
          counts.routesOut += sent.routes;
          counts.withdrawnOut += sent.withdrawn;
        }
        // While the stream is full, each message the peer takes is progress: the send hold timer measures the time without any.
        if (!stream.write(output.message, () => full !== undefined && !over && feed({ type: 'send-progress' })) && !over && full === undefined) {
          let release: () => void = () => undefined;
          const promise = new Promise<void>((resolve) => (release = resolve));
          full = { promise, release };
          feed({ type: 'send-blocked' });
          stream.once('drain', () => {
            full = undefined;
            release();
            feed({ type: 'send-drained' });
          });
        }
        return;
      case 'lookup-identity': {
        // §9.2: a verified client certificate must name the AD the Hello claims, or a peer we
        // dial could relay our signed challenge to pass as us elsewhere (docs/spec-notes.md §9.2).
        const cert = role === 'responder' ? stream.getAuthContext?.()?.sslPeerCertificate : undefined;
        const mismatch = cert && checkServerIdentity(output.ad, cert);
        if (mismatch) return feed({ type: 'refuse', code: NotificationCode.TLS_IDENTITY_MISMATCH, reason: `the TLS client certificate does not name ${output.ad}: ${mismatch.message}` });
        lookupDtnIdentity(output.ad, deps.lookup).then((identity) => {
          if (Result.isFailure(identity)) return feed({ type: 'identity-failed', reason: identity.failure.reason, detail: identity.failure.detail });
          if (!identity.success.authenticated) log({ level: 'warn', msg: 'identity accepted WITHOUT DNSSEC (lab opt-out)', ad: output.ad });
          for (const skipped of identity.success.skipped) log({ level: 'info', msg: 'SVCB record passed over', skipped });
          feed({ type: 'identity-found', keys: identity.success.keys, nonce: new Uint8Array(randomBytes(32)) });
        }, workFailed);
        return;
      }
      case 'sign':
        signNonce(output.nonce, deps.key.secretKey).then((signature) => feed({ type: 'signed', signature }), workFailed);
        return;
      case 'verify':
        Promise.all(output.keys.map((key) => verifyNonce(output.signature, output.nonce, key))).then((ok) => {
          const key = output.keys[ok.indexOf(true)];
          svcbKey = key === undefined ? undefined : Buffer.from(key).toString('base64');
          feed({ type: 'verified', ok: key !== undefined });
        }, workFailed);
        return;
      case 'established':
        wasEstablished = true;
        establishedAt = deps.now();
        holdTime = output.holdTime;
        log({ level: 'info', msg: 'session established', peerSpeakerId: output.peerSpeakerId, holdTime: output.holdTime });
        append(event('session-up', { holdTime: output.holdTime }));
        deps.onEstablished?.();
        // A limit the config gives later (a reload) takes effect from the peer's next session; one changed, at once.
        if (deps.routeLimit?.(output.peerAd)) routes = new RouteCount(() => (limit = deps.routeLimit?.(output.peerAd) ?? { max: Number.MAX_SAFE_INTEGER, action: 'warn' }));
        adjRibOut = deps.adjRibOut?.(output.peerAd, (update) => {
          feed({ type: 'send-update', update });
          return full?.promise ?? Promise.resolve();
        });
        return;
      case 'route-update': {
        // §9.4: counted before it is logged, so routes over the limit are marked in the event itself.
        const limited = routes?.admit(output.routes);
        if (limited?.crossed === 'warn') log({ level: 'warn', msg: 'peer is over its route limit', routes: routes?.size, max: limit?.max, action: 'warn' });
        const overLimit = limited && limited.dropped.length > 0 ? { overLimit: { limit: limit!.max, routes: limited.dropped.map((r) => (r.validFrom === undefined ? { pattern: r.pattern } : r)) } } : {};
        if (limited && limited.dropped.length > 0) log({ level: 'warn', msg: 'routes over the route limit dropped', dropped: limited.dropped.length, max: limit?.max, action: limit?.action });
        append(event('route-update', { sequenceNumber: output.sequenceNumber, message: wireBytes.get(output.update)?.toString('base64') ?? '', ...overLimit }));
        const received = tally(output.update);
        counts.updatesIn++;
        counts.routesIn += received.routes;
        counts.withdrawnIn += received.withdrawn;
        counts.routesOverLimit += limited?.dropped.length ?? 0;
        deps.count?.('update-received', state.peerAd ?? '', 1);
        if (limited && limited.dropped.length > 0) deps.count?.('routes-over-limit', state.peerAd ?? '', limited.dropped.length);
        if (limited?.crossed === 'teardown') feed({ type: 'refuse', code: NotificationCode.LIMIT_ROUTES, reason: `more than ${limit!.max} routes; the limit is ${limit!.max}` });
        return;
      }
      case 'notice':
        log({ level: 'info', msg: output.message });
        return;
      case 'closed':
        log({ level: output.code === 0 ? 'info' : 'warn', msg: 'session closed', code: output.code, reason: output.reason, byPeer: output.byPeer });
        over = true;
        // A peer that takes nothing we write would hold the call, and all we queued in it, for as long as its connection lives.
        if (output.reset) (stream.abort ?? stream.cancel)?.call(stream);
        full?.release();
        adjRibOut?.stop();
        if (wasEstablished) append(event('session-down', { code: output.code, reason: output.reason }));
        clearTimeout(logGiveUp);
        stream.end();
        // A call is released only by cancelling it; the grace lets the Notification go out.
        if (stream.cancel) setTimeout(() => stream.cancel?.(), CANCEL_GRACE_MS).unref();
        finish({ sessionId, peerAd: state.peerAd, at: deps.now(), established: wasEstablished, code: output.code, reason: output.reason, byPeer: output.byPeer });
        settleLog();
        return;
      default:
        return output satisfies never;
    }
  };

  /** The session is over; its last events get one more log timeout to be acknowledged. */
  const settleLog = () => {
    const giveUp = setTimeout(() => {
      const lost = outbox.close();
      log({ level: 'error', msg: 'events never acknowledged by the log; given up', lost });
      flushed();
    }, deps.eventLogTimeoutMs);
    giveUp.unref();
    void outbox.drained().then(() => {
      clearTimeout(giveUp);
      outbox.close();
      flushed();
    });
  };

  /** A failure of our own work (lookup, signing, verification) ends the session, never the process. */
  const workFailed = (error: Error) => feed({ type: 'transport-down', reason: `internal error: ${error.message}` });

  // A stream the transport ended for our own limit or broken framing was not ended by the peer, and the log says so.
  const endedByTransport = (): boolean => {
    const ended = stream.endedByTransport?.();
    if (ended) feed({ type: 'transport-limit', ...ended });
    return ended !== undefined;
  };
  stream.on('data', (received) => {
    // Bytes the transport refused arrive after it ended the call: none of them is the peer's to act on.
    if (endedByTransport()) return;
    counts.messagesIn++;
    if ('oversize' in received) {
      return feed({ type: 'refuse', code: NotificationCode.LIMIT_MESSAGE_SIZE, reason: `a message of ${received.oversize} bytes is over the limit of ${received.limit}` });
    }
    if ('malformed' in received) return feed({ type: 'refuse', code: NotificationCode.MALFORMED_MESSAGE, reason: `a message that does not decode: ${received.malformed}` });
    if (received.message.update) wireBytes.set(received.message.update, received.bytes);
    feed({ type: 'received', message: received.message });
  });
  stream.on('end', () => endedByTransport() || feed({ type: 'transport-down', reason: 'stream ended by the peer' }));
  stream.on('close', () => endedByTransport() || feed({ type: 'transport-down', reason: 'stream closed' }));
  stream.on('error', (error) => feed({ type: 'transport-down', reason: error.message }));
  feed({ type: 'transport-up' });
  return {
    sessionId,
    get phase() {
      return state.phase;
    },
    get peerAd() {
      return state.peerAd;
    },
    get peerSpeakerId() {
      return state.peerSpeakerId;
    },
    get establishedAt() {
      return establishedAt;
    },
    stats: () => {
      const cert = stream.getAuthContext?.()?.sslPeerCertificate;
      return {
        sessionId,
        role,
        state: state.phase,
        peerAd: state.peerAd,
        peerSpeakerId: state.peerSpeakerId,
        address: stream.getPeer?.(),
        establishedAt,
        holdTime,
        ...counts,
        tlsIdentity: cert?.subject === undefined ? undefined : [cert.subject.CN, cert.subjectaltname].filter((part) => part !== undefined && part !== '').join(', ') || undefined,
        svcbKey,
      };
    },
    done,
    logged,
    send: (update) => feed({ type: 'send-update', update }),
    stop: (reason) => feed({ type: 'stop', reason }),
    reset: (reason) => feed({ type: 'refuse', code: NotificationCode.ADMINISTRATIVE_RESET, reason }),
    refresh: () => {
      if (adjRibOut?.refresh === undefined || over) return false;
      adjRibOut.refresh();
      return true;
    },
  };
}
