import { DEFAULT_SVC_PARAMS, generateAdKey, signNonce, svcbZoneLine, type AdKeyPair } from '#libs/identity';
import { DEFAULT_SESSION_CONFIG, type RouteLimit, type SessionConfig } from '#libs/session';
import type { PeerMessage, PeerMessage__Output } from '#libs/wire';
import type { PeerEventLog } from '../../services/session/src/event-log.ts';
import { DEFAULT_LIMITS, type SpeakerLimits, type TlsFiles } from '#libs/service-config';
import { PeerClient, transportLimit, type Received } from '../../services/session/src/peer-service.ts';
import { startResponder } from '../../services/session/src/responder-server.ts';
import { runSession, type PeerStream, type SessionDeps, type SessionHandle, type SessionOutcome } from '../../services/session/src/session-runner.ts';
import { adAuthority, channelCredentials } from '../../services/session/src/tls.ts';
import { type DnsLab, startDnsLab, startTlsLab, type TlsLab, until } from '#libs/lab';
import { inbox } from './inbox.ts';

/** A peer driven by hand over real gRPC/TLS: it writes PeerMessages and reads what comes back. */
export interface HandPeer {
  send(m: Omit<PeerMessage, 'sequence_number'>): boolean;
  next(payload: string, ms?: number): Promise<PeerMessage__Output>;
  /** The first message not taken yet with this payload (any, without one); taken by this call. */
  take(payload?: string): Promise<PeerMessage__Output>;
  /** Everything received so far, in order. */
  received(): readonly PeerMessage__Output[];
  /** Resolves when the stream can take more (gRPC flow control). */
  drained(): Promise<void>;
  /** Resolves when the call is over, whichever side ended it. */
  readonly ended: Promise<void>;
  /** Stops reading what the speaker sends: gRPC flow control then holds the speaker's writes. */
  pause(): void;
  /** Drops the call without closing it: an HTTP/2 reset, as when a peer crashes. */
  reset(): void;
  close(): void;
}

/**
 * Our speaker's session responder and a peer AD whose key is published in the DNS lab (DNSSEC),
 * with the TLS lab's certificates: what tests and the bench need to peer for real.
 */
export interface PeeringLab {
  readonly dns: DnsLab;
  readonly tls: TlsLab;
  readonly peerKey: AdKeyPair;
  /** Our responder, appending to `events`; `config` overrides the lab's session config (its message rate is all but unlimited). */
  responder(
    events: PeerEventLog,
    options?: {
      eventLogTimeoutMs?: number;
      limits?: SpeakerLimits;
      routeLimit?: RouteLimit;
      adjRibOut?: SessionDeps['adjRibOut'];
      log?: SessionDeps['log'];
      config?: Partial<SessionConfig>;
      ready?: () => boolean;
      onOutcome?: (outcome: SessionOutcome) => void;
    },
  ): ReturnType<typeof startResponder>;
  /** The peer, through the handshake (§5.2) to ESTABLISHED. */
  establishedPeer(port: number, hello?: PeerHello): Promise<HandPeer>;
  /** The peer's stream, opened and left for the test to write (no Hello sent). */
  openPeer(port: number, options?: { ownConnection?: boolean }): HandPeer;
  /**
   * The peer as our own Initiator runs it (keepalives, hold timer), logging to `events`;
   * `received` taps every message it is sent.
   */
  initiator(port: number, events: PeerEventLog, config?: Partial<SessionConfig>): { session: SessionHandle; received: PeerMessage__Output[] };
  stop(): Promise<void>;
}

export async function startPeeringLab(us: string, peer: string): Promise<PeeringLab> {
  const peerKey = await generateAdKey();
  const dns = await startDnsLab({ signed: [svcbZoneLine(peer, peerKey.publicKey, DEFAULT_SVC_PARAMS)], unsigned: [] });
  const tls = startTlsLab();
  // Issued once: the openssl CLI takes tens of milliseconds a certificate.
  const [ourCert, peerCert] = [tls.issue(us), tls.issue(peer)];
  return {
    dns,
    tls,
    peerKey,
    responder: async (events, options = {}) =>
      startResponder({
        host: '127.0.0.1',
        port: 0,
        tls: { ...ourCert, ca: tls.ca, requireClientCert: false },
        config: { ...DEFAULT_SESSION_CONFIG, localAd: us, speakerId: 'dtn://us', peers: new Set([peer]), messageRate: { perSecond: 100_000, burst: 100_000 }, ...options.config },
        limits: options.limits ?? DEFAULT_LIMITS,
        ...(options.ready ? { ready: options.ready } : {}),
        ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
        deps: {
          key: await generateAdKey(),
          lookup: { resolvers: [dns.resolver], requireDnssec: true, timeoutMs: 2_000, params: DEFAULT_SVC_PARAMS },
          events,
          log: options.log ?? (() => undefined),
          now: Date.now,
          maxInFlight: 64,
          eventLogTimeoutMs: options.eventLogTimeoutMs ?? 30_000,
          routeLimit: () => options.routeLimit,
          ...(options.adjRibOut ? { adjRibOut: options.adjRibOut } : {}),
        },
      }),
    establishedPeer: (port, hello) => handPeer({ port, us, peer, peerKey, cert: peerCert, ca: tls.ca, ...(hello ? { hello } : {}) }),
    openPeer: (port, options = {}) => openPeer({ address: `127.0.0.1:${port}`, expectAd: us, tls: { ...peerCert, ca: tls.ca, requireClientCert: false }, ...options }),
    initiator: (port, events, config = {}) => {
      const Client = PeerClient(DEFAULT_LIMITS.maxMessageBytes);
      const client = new Client(`127.0.0.1:${port}`, channelCredentials({ ...peerCert, ca: tls.ca, requireClientCert: false }, us), { ...adAuthority(us), ...transportLimit(DEFAULT_LIMITS.maxMessageBytes) });
      const call = (client as unknown as { Peer(): PeerStream }).Peer();
      const received: PeerMessage__Output[] = [];
      call.on('data', (r: Received) => void ('message' in r && received.push(r.message)));
      const session = runSession(
        'initiator',
        { ...DEFAULT_SESSION_CONFIG, localAd: peer, speakerId: `dtn://${peer}`, peers: new Set([us]), ...config },
        call,
        {
          key: peerKey,
          lookup: { resolvers: [dns.resolver], requireDnssec: true, timeoutMs: 2_000, params: DEFAULT_SVC_PARAMS },
          events,
          log: () => undefined,
          now: Date.now,
          maxInFlight: 64,
          eventLogTimeoutMs: 30_000,
        },
        us,
      );
      void session.done.then(() => client.close());
      return { session, received };
    },
    stop: async () => {
      await dns.stop();
      tls.remove();
    },
  };
}

/** What a hand peer's Hello says besides its AD. */
export interface PeerHello {
  readonly speakerId?: string;
  readonly holdTime?: number;
}

/**
 * A stream to the speaker at `address`, presenting `tls` (its certificate is the client
 * certificate) and checking that the speaker's names `expectAd`; nothing sent yet.
 * `ownConnection`: its own TCP/TLS connection (grpc-js otherwise shares one between clients of
 * one target and options).
 */
export function openPeer(options: { address: string; expectAd: string; tls: TlsFiles; maxMessageBytes?: number; ownConnection?: boolean }): HandPeer {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes;
  const Client = PeerClient(maxBytes);
  const client = new Client(options.address, channelCredentials(options.tls, options.expectAd), {
    ...adAuthority(options.expectAd),
    ...transportLimit(maxBytes),
    ...(options.ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
  });
  const call = (client as unknown as { Peer(): PeerStream }).Peer();
  const { messages, take } = inbox(call, 'the speaker');
  // The speaker going away is what some tests are about: the call's end is in `received()`, not an error to throw.
  call.on('error', () => undefined);
  // grpc-js emits 'status' once a call is over, however it ended.
  let over = false;
  const ended = new Promise<void>((resolve) =>
    (call as unknown as NodeJS.EventEmitter).once('status', () => {
      over = true;
      resolve();
    }),
  );
  const find = (payload: string) => messages.find((m) => m.payload === payload);
  // A message that has not come by the call's end never will: no waiting out the timeout (a speaker not up yet).
  const gaveUp = (payload: string) => () => (over && !find(payload) ? 'the call ended' : undefined);
  let seq = 0;
  return {
    send: (m) => call.write({ sequence_number: String(++seq), ...m }),
    next: (payload, ms) => until(payload, () => find(payload), { gaveUp: gaveUp(payload), ...(ms === undefined ? {} : { ms }) }),
    take,
    ended,
    received: () => messages,
    drained: () => new Promise<void>((resolve) => (call as unknown as { once(e: 'drain', f: () => void): void }).once('drain', resolve)),
    pause: () => void call.pause(),
    reset: () => call.cancel?.(),
    close: () => (call.end(), client.close()),
  };
}

/** A peer AD driven by hand, through the handshake (§5.2) to ESTABLISHED with the speaker of `us` at `port`. */
export async function handPeer(options: { port: number; us: string; peer: string; peerKey: AdKeyPair; cert: { cert: Buffer; key: Buffer }; ca: Buffer; hello?: PeerHello }): Promise<HandPeer> {
  const peer = openPeer({ address: `127.0.0.1:${options.port}`, expectAd: options.us, tls: { ...options.cert, ca: options.ca, requireClientCert: false } });
  peer.send({ hello: { local_ad_id: options.peer, hold_time_seconds: options.hello?.holdTime ?? 90, ...(options.hello?.speakerId ? { speaker_node_id: options.hello.speakerId } : {}) } });
  const challenge = await peer.next('challenge');
  peer.send({ response: { signature: await signNonce(challenge.challenge!.nonce, options.peerKey.secretKey) } });
  await peer.next('keep_alive');
  return peer;
}
