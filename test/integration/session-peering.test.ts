import { randomUUID } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_SVC_PARAMS, generateAdKey, svcbZoneLine, type AdKeyPair, type Resolver } from '#libs/identity';
import { DEFAULT_SESSION_CONFIG, NotificationCode, type SessionConfig } from '#libs/session';
import { peerMessageCodec, type PeerMessage__Output } from '#libs/wire';
import type { PeerEvent } from '#libs/events';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { DEFAULT_LIMITS, type SpeakerLimits, type TlsFiles } from '#libs/service-config';
import * as grpc from '@grpc/grpc-js';
import { PeerClient, peerService, transportLimit, type Received } from '../../services/session/src/peer-service.ts';
import { dialPeer } from '../../services/session/src/initiator-client.ts';
import { startResponder, type ResponderOptions } from '../../services/session/src/responder-server.ts';
import { runSession, type PeerStream, type SessionDeps, type SessionOutcome } from '../../services/session/src/session-runner.ts';
import { adAuthority, channelCredentials } from '../../services/session/src/tls.ts';
import { type DnsLab, startDnsLab, startTlsLab, type TlsLab, until, within } from '#libs/lab';
import { rawPeer } from '../harness/raw-peer.ts';
import { grpcFrame, rawH2Connection } from '../harness/raw-h2.ts';
import type { FramingError } from '../../services/session/src/grpc-framing.ts';

const INITIATOR = 'dsn.example.test';
const RESPONDER = 'esa.example.test';
const MULTI = 'multi.example.test';
const UNSIGNED = 'gamma.unsigned.test';
const NO_SVCB = 'nosvcb.example.test';
const MAX_BYTES = 64 * 1024;

/**
 * Two speakers on loopback, as in production but for the addresses: gRPC over TLS 1.3, the
 * Initiator's identity from a DNSSEC-signed SVCB record through a validating resolver, every
 * received update appended to a real JetStream stream. Misbehaving peers are a raw client that
 * writes PeerMessages by hand.
 */
describe('DPP peering between two speakers', () => {
  let dns: DnsLab;
  let tls: TlsLab;
  let nc: NatsConnection;
  let events: PeerEventLog;
  let stream: string;
  const keys: Record<string, AdKeyPair> = {};
  const stops: (() => Promise<void>)[] = [];
  let port: number;

  const config = (localAd: string, over: Partial<SessionConfig> = {}): SessionConfig => ({
    ...DEFAULT_SESSION_CONFIG,
    localAd,
    speakerId: `dtn://speaker.${localAd}`,
    peers: new Set([INITIATOR, MULTI, UNSIGNED, NO_SVCB]),
    maxPatternsPerUpdate: 100,
    messageRate: { perSecond: 20, burst: 30 },
    ...over,
  });
  const deps = (key: AdKeyPair, resolver: Resolver = dns.resolver): SessionDeps => ({
    key,
    lookup: { resolvers: [resolver], requireDnssec: true, timeoutMs: 2_000, params: DEFAULT_SVC_PARAMS },
    events,
    log: () => undefined,
    now: Date.now,
    maxInFlight: 256,
    eventLogTimeoutMs: 10_000,
  });
  const files = (name: string, requireClientCert = false): TlsFiles => ({ ...tls.issue(name), ca: tls.ca, requireClientCert });
  const limits: SpeakerLimits = { ...DEFAULT_LIMITS, maxMessageBytes: MAX_BYTES };

  const responder = async (over: Partial<ResponderOptions> = {}) => {
    const started = await startResponder({ host: '127.0.0.1', port: 0, tls: files(RESPONDER), config: config(RESPONDER), limits, deps: deps(await generateAdKey()), ...over });
    stops.push(started.stop);
    return started.port;
  };

  beforeAll(async () => {
    for (const name of ['initiator', 'multi1', 'multi2', 'unsigned']) keys[name] = await generateAdKey();
    const line = (ad: string, key: AdKeyPair, priority = 1) => svcbZoneLine(ad, key.publicKey, DEFAULT_SVC_PARAMS, priority);
    dns = await startDnsLab({
      signed: [line(INITIATOR, keys['initiator']!), line(MULTI, keys['multi1']!, 1), line(MULTI, keys['multi2']!, 2)],
      unsigned: [line(UNSIGNED, keys['unsigned']!)],
    });
    tls = startTlsLab();
    nc = await connect({ servers: inject('natsUrl') });
    stream = `EV${randomUUID().replaceAll('-', '')}`;
    events = await PeerEventLog.open(nc, { stream, subjectPrefix: `t.${stream}` });
    port = await responder();
  }, 60_000);
  afterAll(async () => {
    for (const stop of stops) await stop();
    await nc?.close();
    await dns?.stop();
    tls?.remove();
  });

  /** Our own Initiator: dials `at`, checking the certificate names `expectAd`. */
  const dial = (localAd: string, key: AdKeyPair, { at = port, expectAd = RESPONDER, tlsFiles = files(localAd) } = {}) => {
    const Client = PeerClient(MAX_BYTES);
    const client = new Client(`127.0.0.1:${at}`, channelCredentials(tlsFiles, expectAd), { ...adAuthority(expectAd), ...transportLimit(MAX_BYTES) });
    const session = runSession('initiator', config(localAd), (client as unknown as { Peer(): PeerStream }).Peer(), deps(key), expectAd);
    void session.done.then(() => client.close());
    return session;
  };

  /** A peer that writes PeerMessages by hand, to misbehave on purpose. */
  const raw = (at = port, localAd = INITIATOR) => rawPeer({ address: `127.0.0.1:${at}`, expectAd: RESPONDER, localAd, tls: files(localAd), maxMessageBytes: MAX_BYTES * 4 });

  const logged = async (): Promise<PeerEvent[]> => {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    const got: PeerEvent[] = [];
    if (info.state.messages === 0) return got;
    const consumer = await jetstream(nc).consumers.get(stream);
    for await (const m of await consumer.fetch({ max_messages: info.state.messages, expires: 2_000 })) {
      got.push(m.json<PeerEvent>());
      if (m.seq === info.state.last_seq) break;
    }
    return got;
  };
  const sessionsUp = async () => (await logged()).filter((e) => e.kind === 'session-up').length;

  it('establishes over TLS with a DNSSEC-verified identity, and the update lands in JetStream as sent', async () => {
    const session = dial(INITIATOR, keys['initiator']!);
    const update = { announcements: [{ patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }], ad_path: [INITIATOR], metric: 10 }] };
    await until('both sessions up', async () => ((await sessionsUp()) >= 2 ? true : undefined));
    session.send(update);
    const routed = await until('the update in the log', async () => (await logged()).find((e) => e.kind === 'route-update'));
    expect(routed).toMatchObject({ v: 1, peerAd: INITIATOR, speakerId: `dtn://speaker.${RESPONDER}`, peerSpeakerId: `dtn://speaker.${INITIATOR}` });
    const message = peerMessageCodec().decode(Buffer.from(routed.message!, 'base64'));
    expect(message.sequence_number).toBe(routed.sequenceNumber);
    expect(message.update?.announcements[0]).toMatchObject({ ad_path: [INITIATOR], metric: 10, patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }] });
    session.stop('test done');
    expect(await session.done).toMatchObject({ established: true, code: NotificationCode.ADMINISTRATIVE_SHUTDOWN, byPeer: false });
    await until('the Responder logs the session down', async () => (await logged()).find((e) => e.kind === 'session-down' && e.peerAd === INITIATOR));
  });

  it('accepts a signature by the second key an AD publishes (§5.1.1)', async () => {
    const session = dial(MULTI, keys['multi2']!);
    await until('the session up', async () => ((await logged()).some((e) => e.kind === 'session-up' && e.peerAd === MULTI) ? true : undefined));
    session.stop('test done');
    expect((await session.done).established).toBe(true);
  });

  it.each([
    ['a key the AD did not publish', INITIATOR, 'fresh', NotificationCode.BAD_SIGNATURE],
    ['an AD that publishes no SVCB record', NO_SVCB, 'initiator', NotificationCode.NO_IDENTITY_RECORDS],
    ['an unsigned answer while DNSSEC is required', UNSIGNED, 'unsigned', NotificationCode.DNSSEC_UNSIGNED],
  ])('refuses %s with its code', async (_, ad, keyName, code) => {
    const key = keyName === 'fresh' ? await generateAdKey() : keys[keyName]!;
    expect(await dial(ad, key).done).toMatchObject({ established: false, code, byPeer: true });
  });

  it('refuses every identity as bogus behind a resolver with a wrong trust anchor', async () => {
    const at = await responder({ deps: deps(await generateAdKey(), dns.bogusResolver) });
    expect(await dial(INITIATOR, keys['initiator']!, { at }).done).toMatchObject({ established: false, code: NotificationCode.DNSSEC_BOGUS, byPeer: true });
  });

  it.each([
    ['a RouteUpdate before ESTABLISHED', { update: { announcements: [] } }],
    ['a duplicate Hello', { hello: { local_ad_id: INITIATOR, hold_time_seconds: 90 } }],
  ])('answers %s with UNEXPECTED_MESSAGE', async (_, payload) => {
    const peer = raw();
    peer.send({ hello: { local_ad_id: INITIATOR, hold_time_seconds: 90 } });
    peer.send(payload);
    expect(await peer.refusal()).toMatchObject({ level: 'ERROR', code: NotificationCode.UNEXPECTED_MESSAGE });
    peer.close();
  });

  it('answers a signature that is not one with BAD_SIGNATURE', async () => {
    const peer = raw();
    peer.send({ hello: { local_ad_id: INITIATOR, hold_time_seconds: 90 } });
    await peer.next('challenge');
    peer.send({ response: { signature: crypto.getRandomValues(new Uint8Array(64)) } });
    expect(await peer.refusal()).toMatchObject({ code: NotificationCode.BAD_SIGNATURE });
    peer.close();
  });

  it('ends a session whose peer falls silent with HOLD_TIMER_EXPIRED', async () => {
    const peer = raw();
    await peer.establish(keys['initiator']!, 3);
    expect(await peer.refusal()).toMatchObject({ code: NotificationCode.HOLD_TIMER_EXPIRED });
    peer.close();
  });

  it('notices at once a peer that drops its stream without closing it, not at the hold timer', async () => {
    const peer = raw();
    await peer.establish(keys['initiator']!);
    const down = async () => (await logged()).filter((e) => e.kind === 'session-down').length;
    const before = await down();
    peer.reset();
    const started = Date.now();
    await until('the session down in the log', async () => ((await down()) > before ? true : undefined));
    expect(Date.now() - started).toBeLessThan(5_000);
    peer.close();
  });

  it('answers bytes that are no PeerMessage with MALFORMED_MESSAGE', async () => {
    const service = peerService(MAX_BYTES);
    const Garbage = grpc.makeGenericClientConstructor({ Peer: { ...service['Peer']!, requestSerialize: (bytes: Buffer) => bytes } }, 'DtnPeering');
    const client = new Garbage(`127.0.0.1:${port}`, channelCredentials(files(INITIATOR), RESPONDER), adAuthority(RESPONDER));
    const call = (client as unknown as { Peer(): PeerStream & { write(bytes: Buffer): boolean } }).Peer();
    const inbox: PeerMessage__Output[] = [];
    call.on('data', (r: Received) => 'message' in r && inbox.push(r.message));
    call.on('error', () => undefined);
    call.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    const refusal = await until('a Notification', () => inbox.find((m) => m.payload === 'notification'));
    expect(refusal.notification).toMatchObject({ level: 'ERROR', code: NotificationCode.MALFORMED_MESSAGE });
    client.close();
  });

  it('refuses a message over the size limit with LIMIT_MESSAGE_SIZE', async () => {
    const peer = raw();
    await peer.establish(keys['initiator']!);
    peer.send({ notification: { level: 'INFO', message: 'x'.repeat(MAX_BYTES + 1) } });
    expect(await peer.refusal()).toMatchObject({ code: NotificationCode.LIMIT_MESSAGE_SIZE });
    peer.close();
  });

  it('says, when a message over twice the size limit ends the stream, that our limit ended it and how large the message was', async () => {
    const peer = raw();
    await peer.establish(keys['initiator']!);
    const before = (await logged()).filter((e) => e.kind === 'session-down').length;
    peer.send({ notification: { level: 'INFO', message: 'x'.repeat(2 * MAX_BYTES + 10) } });
    const down = await until('the session down in the log', async () => (await logged()).filter((e) => e.kind === 'session-down')[before]);
    peer.close();
    expect(down).toMatchObject({ code: NotificationCode.LIMIT_MESSAGE_SIZE, reason: expect.stringMatching(new RegExp(`^a message of \\d+ bytes is over twice the limit of ${MAX_BYTES}: `)) });
    expect(Number(/of (\d+) bytes/.exec(down.reason ?? '')?.[1])).toBeGreaterThan(2 * MAX_BYTES);
  });

  it('answers broken gRPC framing with INTERNAL, closes the session with MALFORMED_MESSAGE saying what broke, and counts it', async () => {
    const outcomes: SessionOutcome[] = [];
    const broken: FramingError[] = [];
    const at = await responder({ onOutcome: (o) => outcomes.push(o), onFramingError: (e) => broken.push(e) });
    const connection = rawH2Connection({ port: at, authority: RESPONDER, ca: tls.ca });
    const hello = peerMessageCodec().encode({ sequence_number: '1', hello: { local_ad_id: INITIATOR, hold_time_seconds: 30 } });
    const cases = [
      { name: 'a message cut short by END_STREAM', bytes: grpcFrame(hello).subarray(0, 5 + 3), end: true, reason: /^broken gRPC framing: the stream ended \d+ bytes short of the end of message 1$/ },
      { name: 'a bare length prefix', bytes: grpcFrame(hello).subarray(0, 5), end: true, reason: /ended \d+ bytes short of the end of message 1$/ },
      { name: 'half a header', bytes: grpcFrame(hello).subarray(0, 3), end: true, reason: /ended inside the 5-byte header of message 1 \(3 bytes of it\)$/ },
      { name: 'a compressed flag with no grpc-encoding', bytes: grpcFrame(hello, { flag: 1 }), end: false, reason: /message 1 is marked compressed, but the stream declared no grpc-encoding$/ },
      { name: 'a flag that is neither 0 nor 1', bytes: grpcFrame(hello, { flag: 7 }), end: false, reason: /message 1 has Compressed-Flag 7; only 0 and 1 exist$/ },
    ];
    for (const c of cases) {
      const stream = connection.open();
      await stream.write(c.bytes);
      if (c.end) stream.end();
      const answer = await within(stream.answered, 10_000, `an answer to ${c.name}`);
      expect(answer.status, c.name).toBe(grpc.status.INTERNAL);
      expect(answer.message, c.name).toMatch(c.reason);
      expect(stream.received, `${c.name}: no message of a broken stream is answered`).toEqual([]);
      stream.destroy();
    }
    const ends = await until(`${cases.length} sessions closed`, () => (outcomes.length === cases.length ? outcomes : undefined));
    expect(ends.map((o) => [o.code, o.byPeer])).toEqual(cases.map(() => [NotificationCode.MALFORMED_MESSAGE, false]));
    ends.forEach((o, i) => expect(o.reason).toMatch(cases[i]!.reason));
    expect(broken.map((e) => e.kind)).toEqual(['truncated', 'truncated', 'truncated', 'compressed-flag', 'compressed-flag']);
    await connection.close();
  });

  it('refuses a RouteUpdate with more patterns than allowed, and a peer over its message rate', async () => {
    const wide = raw();
    await wide.establish(keys['initiator']!);
    const patterns = Array.from({ length: 101 }, (_, i) => ({ ipn: { allocator_id: 100, node_id: i } }));
    wide.send({ update: { announcements: [{ patterns, ad_path: [INITIATOR] }] } });
    expect(await wide.refusal()).toMatchObject({ code: NotificationCode.LIMIT_PATTERNS_PER_UPDATE });
    wide.close();
    const chatty = raw();
    await chatty.establish(keys['initiator']!);
    for (let i = 0; i < 60; i++) chatty.send({ keep_alive: {} });
    expect(await chatty.refusal()).toMatchObject({ code: NotificationCode.LIMIT_MESSAGE_RATE });
    chatty.close();
  });

  it('refuses sessions beyond the concurrent limit and connections beyond the rate', async () => {
    const one = await responder({ limits: { ...limits, maxSessions: 1 } });
    const first = raw(one);
    first.send({ hello: { local_ad_id: INITIATOR, hold_time_seconds: 90 } });
    await first.next('challenge');
    const second = raw(one);
    second.send({ keep_alive: {} });
    expect(await second.refusal()).toMatchObject({ code: NotificationCode.LIMIT_SESSIONS });
    first.close();
    second.close();
    const slow = await responder({ limits: { ...limits, connectionRate: { perSecond: 0.01, burst: 2 } } });
    const peers = [raw(slow), raw(slow), raw(slow)];
    for (const peer of peers) peer.send({ hello: { local_ad_id: INITIATOR, hold_time_seconds: 90 } });
    const refusals = await Promise.race([
      Promise.any(peers.map(async (p) => (await p.refusal())?.code)),
      new Promise((resolve) => setTimeout(() => resolve('none'), 5_000)),
    ]);
    expect(refusals).toBe(NotificationCode.LIMIT_CONNECTION_RATE);
    for (const peer of peers) peer.close();
  });

  it('does not start when the Responder\'s certificate does not name the AD dialled (§9.2)', async () => {
    const outcome = await dial(INITIATOR, keys['initiator']!, { expectAd: 'other.example.test' }).done;
    expect(outcome.established).toBe(false);
    expect(outcome.reason).toMatch(/certificate|altnames|not in the cert/i);
  });

  it('requires a client certificate from the CA when configured to', async () => {
    const at = await responder({ tls: files(RESPONDER, true) });
    const before = await sessionsUp();
    const withCert = dial(INITIATOR, keys['initiator']!, { at });
    await until('a session up with a client certificate', async () => ((await sessionsUp()) >= before + 2 ? true : undefined));
    withCert.stop('test done');
    expect((await withCert.done).established).toBe(true);
    const other = startTlsLab();
    const foreign = { ...other.issue(INITIATOR), ca: tls.ca, requireClientCert: false };
    const outcome = await dial(INITIATOR, keys['initiator']!, { at, tlsFiles: foreign }).done;
    other.remove();
    expect(outcome.established).toBe(false);
  });

  it('refuses a TLS 1.2 client (§9.2: TLS 1.3 or later)', async () => {
    const refusal = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, servername: RESPONDER, ca: tls.ca, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'] });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(`connected with ${socket.getProtocol()}`);
      });
      socket.once('error', (error) => resolve(error.message));
    });
    expect(refusal).toMatch(/protocol version|alert/i);
  });

  it('redials a Responder that went away, with backoff, and peers again', async () => {
    const first = await startResponder({ host: '127.0.0.1', port: 0, tls: files(RESPONDER), config: config(RESPONDER), limits, deps: deps(await generateAdKey()) });
    const outcomes: { established: boolean; code: number }[] = [];
    const dialler = dialPeer({ ad: RESPONDER, address: `127.0.0.1:${first.port}` }, files(INITIATOR), config(INITIATOR), deps(keys['initiator']!), {
      backoff: { initialMs: 50, maxMs: 200 },
      maxMessageBytes: MAX_BYTES,
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    const before = await sessionsUp();
    await until('the first session up', async () => ((await sessionsUp()) >= before + 2 ? true : undefined));
    await first.stop();
    await until('the session ended by the Responder', () => (outcomes.length > 0 ? true : undefined));
    expect(outcomes[0]).toMatchObject({ established: true, code: NotificationCode.ADMINISTRATIVE_SHUTDOWN });
    // Redials fail while nothing listens; then the Responder is back on the same port.
    await until('a redial that failed', () => (outcomes.slice(1).some((o) => !o.established) ? true : undefined));
    const second = await startResponder({ host: '127.0.0.1', port: first.port, tls: files(RESPONDER), config: config(RESPONDER), limits, deps: deps(await generateAdKey()) });
    stops.push(second.stop);
    await until('a session up again', async () => ((await sessionsUp()) >= before + 4 ? true : undefined), { ms: 10_000 });
    await dialler.stop();
  });

  it('still peers after all those failures', async () => {
    const before = await sessionsUp();
    const session = dial(INITIATOR, keys['initiator']!);
    await until('a new session up', async () => ((await sessionsUp()) >= before + 2 ? true : undefined));
    session.stop('test done');
    expect((await session.done).established).toBe(true);
  });
});
