import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_SVC_PARAMS, generateAdKey, svcbZoneLine, type AdKeyPair } from '#libs/identity';
import { DEFAULT_SESSION_CONFIG, NotificationCode, type SessionConfig } from '#libs/session';
import { peerMessageCodec } from '#libs/wire';
import { PeerEventLog, type PeerEvent } from '../../services/session/src/event-log.ts';
import { dppService, startResponder } from '../../services/session/src/responder-server.ts';
import { runSession, type PeerStream, type SessionDeps, type SessionOutcome } from '../../services/session/src/session-runner.ts';
import { adAuthority, channelCredentials, type TlsFiles } from '../../services/session/src/tls.ts';
import { startDnsLab, type DnsLab } from '../harness/dns-lab.ts';
import { startTlsLab, type TlsLab } from '../harness/tls-lab.ts';
import { until } from '../harness/until.ts';

const INITIATOR = 'dsn.example.test';
const RESPONDER = 'esa.example.test';

/**
 * Two speakers on loopback, as in production but for the addresses: gRPC over TLS 1.3, the
 * Initiator's identity from a DNSSEC-signed SVCB record through a validating resolver, every
 * received update appended to a real JetStream stream.
 */
describe('DPP peering between two speakers', () => {
  let dns: DnsLab;
  let tls: TlsLab;
  let nc: NatsConnection;
  let events: PeerEventLog;
  let stream: string;
  let responder: { port: number; stop(): Promise<void> };
  const outcomes: SessionOutcome[] = [];
  let published: AdKeyPair;

  const config = (localAd: string, over: Partial<SessionConfig> = {}): SessionConfig => ({
    ...DEFAULT_SESSION_CONFIG,
    localAd,
    speakerId: `dtn://speaker.${localAd}`,
    peers: new Set([INITIATOR, 'nosvcb.example.test']),
    ...over,
  });
  const deps = (key: AdKeyPair): SessionDeps => ({
    key,
    lookup: { resolvers: [dns.resolver], requireDnssec: true, timeoutMs: 2_000, params: DEFAULT_SVC_PARAMS },
    events,
    log: () => undefined,
    now: Date.now,
    maxInFlight: 256,
    eventLogTimeoutMs: 10_000,
  });
  const files = (name: string): TlsFiles => ({ ...tls.issue(name), ca: tls.ca, requireClientCert: false });

  beforeAll(async () => {
    published = await generateAdKey();
    dns = await startDnsLab({ signed: [svcbZoneLine(INITIATOR, published.publicKey, DEFAULT_SVC_PARAMS)], unsigned: [] });
    tls = startTlsLab();
    nc = await connect({ servers: inject('natsUrl') });
    stream = `EV${randomUUID().replaceAll('-', '')}`;
    events = await PeerEventLog.open(nc, { stream, subjectPrefix: `t.${stream}` });
    responder = await startResponder({
      host: '127.0.0.1',
      port: 0,
      tls: files(RESPONDER),
      config: config(RESPONDER),
      deps: deps(await generateAdKey()),
      onOutcome: (outcome) => outcomes.push(outcome),
    });
  }, 60_000);
  afterAll(async () => {
    await responder?.stop();
    await nc?.close();
    await dns?.stop();
    tls?.remove();
  });

  /** Dials the responder as `localAd`, checking its certificate names `expectAd`. */
  const dial = (localAd: string, key: AdKeyPair, expectAd = RESPONDER) => {
    const Client = dppService();
    const client = new Client(`127.0.0.1:${responder.port}`, channelCredentials(files(localAd), expectAd), adAuthority(expectAd));
    const session = runSession('initiator', config(localAd), client.Peer() as unknown as PeerStream, deps(key), expectAd);
    void session.done.then(() => client.close());
    return session;
  };

  const logged = async (): Promise<PeerEvent[]> => {
    const consumer = await jetstream(nc).consumers.get(stream);
    const got: PeerEvent[] = [];
    const info = await (await import('@nats-io/jetstream')).jetstreamManager(nc).then((jsm) => jsm.streams.info(stream));
    if (info.state.messages === 0) return got;
    for await (const m of await consumer.fetch({ max_messages: info.state.messages, expires: 2_000 })) {
      got.push(m.json<PeerEvent>());
      if (m.seq === info.state.last_seq) break;
    }
    return got;
  };

  it('establishes over TLS with a DNSSEC-verified identity, and the update lands in JetStream', async () => {
    const session = dial(INITIATOR, published);
    const update = { announcements: [{ patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }], ad_path: [INITIATOR], metric: 10 }] };
    await until('both sessions up', async () => ((await logged()).filter((e) => e.kind === 'session-up').length >= 2 ? true : undefined));
    session.send(update);
    const routed = await until('the update in the log', async () => (await logged()).find((e) => e.kind === 'route-update'));
    expect(routed).toMatchObject({ v: 1, peerAd: INITIATOR, speakerId: `dtn://speaker.${RESPONDER}`, peerSpeakerId: `dtn://speaker.${INITIATOR}` });
    const message = peerMessageCodec().decode(Buffer.from(routed.message!, 'base64'));
    expect(message.sequence_number).toBe(routed.sequenceNumber);
    expect(message.update?.announcements[0]).toMatchObject({ ad_path: [INITIATOR], metric: 10, patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }] });
    session.stop('test done');
    const outcome = await session.done;
    expect(outcome).toMatchObject({ established: true, code: NotificationCode.ADMINISTRATIVE_SHUTDOWN, byPeer: false });
    await until('the responder logs the session down', async () => (await logged()).find((e) => e.kind === 'session-down' && e.peerAd === INITIATOR));
  });

  it('is refused with BAD_SIGNATURE when the Initiator signs with a key the AD did not publish', async () => {
    const outcome = await dial(INITIATOR, await generateAdKey()).done;
    expect(outcome).toMatchObject({ established: false, code: NotificationCode.BAD_SIGNATURE, byPeer: true });
  });

  it('is refused with NO_IDENTITY_RECORDS for an AD that publishes no SVCB record', async () => {
    const outcome = await dial('nosvcb.example.test', published).done;
    expect(outcome).toMatchObject({ established: false, code: NotificationCode.NO_IDENTITY_RECORDS, byPeer: true });
  });

  it('does not start when the Responder\'s certificate does not name the AD dialled (§9.2)', async () => {
    const outcome = await dial(INITIATOR, published, 'other.example.test').done;
    expect(outcome.established).toBe(false);
    expect(outcome.reason).toMatch(/certificate|altnames|not in the cert/i);
  });

  it('refuses a TLS 1.2 client (§9.2: TLS 1.3 or later)', async () => {
    const { connect: tlsConnect } = await import('node:tls');
    const refusal = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: responder.port, servername: RESPONDER, ca: tls.ca, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'] });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(`connected with ${socket.getProtocol()}`);
      });
      socket.once('error', (error) => resolve(error.message));
    });
    expect(refusal).toMatch(/protocol version|alert/i);
  });

  it('still peers after all those failures', async () => {
    const session = dial(INITIATOR, published);
    const before = (await logged()).filter((e) => e.kind === 'session-up').length;
    await until('a new session up', async () => ((await logged()).filter((e) => e.kind === 'session-up').length >= before + 2 ? true : undefined));
    session.stop('test done');
    expect((await session.done).established).toBe(true);
  });
});
