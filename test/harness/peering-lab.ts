import { DEFAULT_SVC_PARAMS, generateAdKey, signNonce, svcbZoneLine, type AdKeyPair } from '#libs/identity';
import { DEFAULT_SESSION_CONFIG, type RouteLimit } from '#libs/session';
import type { PeerMessage, PeerMessage__Output } from '#libs/wire';
import type { PeerEventLog } from '../../services/session/src/event-log.ts';
import { DEFAULT_LIMITS, type SpeakerLimits } from '../../services/session/src/limits.ts';
import { PeerClient, type Received } from '../../services/session/src/peer-service.ts';
import { startResponder } from '../../services/session/src/responder-server.ts';
import type { PeerStream, SessionDeps } from '../../services/session/src/session-runner.ts';
import { adAuthority, channelCredentials } from '../../services/session/src/tls.ts';
import { type DnsLab, startDnsLab, startTlsLab, type TlsLab, until } from '#libs/lab';

/** A peer driven by hand over real gRPC/TLS: it writes PeerMessages and reads what comes back. */
export interface HandPeer {
  send(m: Omit<PeerMessage, 'sequence_number'>): boolean;
  next(payload: string, ms?: number): Promise<PeerMessage__Output>;
  /** Everything received so far, in order. */
  received(): readonly PeerMessage__Output[];
  /** Resolves when the stream can take more (gRPC flow control). */
  drained(): Promise<void>;
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
  /** Our responder, appending to `events`. */
  responder(events: PeerEventLog, options?: { eventLogTimeoutMs?: number; limits?: SpeakerLimits; routeLimit?: RouteLimit; adjRibOut?: SessionDeps['adjRibOut']; log?: SessionDeps['log'] }): Promise<{ port: number; stop(): Promise<void> }>;
  /** The peer, through the handshake (§5.2) to ESTABLISHED. */
  establishedPeer(port: number): Promise<HandPeer>;
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
        config: { ...DEFAULT_SESSION_CONFIG, localAd: us, speakerId: 'dtn://us', peers: new Set([peer]), messageRate: { perSecond: 100_000, burst: 100_000 } },
        limits: options.limits ?? DEFAULT_LIMITS,
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
    establishedPeer: (port) => handPeer({ port, us, peer, peerKey, cert: peerCert, ca: tls.ca }),
    stop: async () => {
      await dns.stop();
      tls.remove();
    },
  };
}

/** A peer AD driven by hand, through the handshake (§5.2) to ESTABLISHED with the speaker of `us` at `port`. */
export async function handPeer(options: { port: number; us: string; peer: string; peerKey: AdKeyPair; cert: { cert: Buffer; key: Buffer }; ca: Buffer }): Promise<HandPeer> {
  const { us, peer } = options;
  const Client = PeerClient(DEFAULT_LIMITS.maxMessageBytes);
  const client = new Client(`127.0.0.1:${options.port}`, channelCredentials({ ...options.cert, ca: options.ca, requireClientCert: false }, us), adAuthority(us));
  const call = (client as unknown as { Peer(): PeerStream }).Peer();
  const inbox: PeerMessage__Output[] = [];
  call.on('data', (r: Received) => 'message' in r && inbox.push(r.message));
  // The speaker going away is what some tests are about: the call's end is in `received()`, not an error to throw.
  call.on('error', () => undefined);
  let seq = 0;
  const send = (m: Omit<PeerMessage, 'sequence_number'>) => call.write({ sequence_number: String(++seq), ...m });
  const next = (payload: string, ms?: number) => until(payload, () => inbox.find((m) => m.payload === payload), ms === undefined ? {} : { ms });
  send({ hello: { local_ad_id: peer, hold_time_seconds: 90 } });
  const challenge = await next('challenge');
  send({ response: { signature: await signNonce(challenge.challenge!.nonce, options.peerKey.secretKey) } });
  await next('keep_alive');
  return {
    send,
    next,
    received: () => inbox,
    drained: () => new Promise<void>((resolve) => (call as unknown as { once(e: 'drain', f: () => void): void }).once('drain', resolve)),
    close: () => (call.end(), client.close()),
  };
}
