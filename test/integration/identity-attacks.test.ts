import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect as tlsConnect } from 'node:tls';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_SVC_PARAMS, generateAdKey, signNonce, svcbZoneLine, type AdKeyPair, type Resolver } from '#libs/identity';
import { DEFAULT_SESSION_CONFIG, NotificationCode, type SessionConfig } from '#libs/session';
import type { PeerMessage, PeerMessage__Output } from '#libs/wire';
import type { PeerEvent } from '#libs/events';
import { type DnsLab, startDnsLab, startTlsLab, type TlsLab, until } from '#libs/lab';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { dialPeer } from '../../services/session/src/initiator-client.ts';
import { DEFAULT_LIMITS, type TlsFiles } from '#libs/service-config';
import { startResponder } from '../../services/session/src/responder-server.ts';
import type { SessionDeps } from '../../services/session/src/session-runner.ts';
import { attackerResponder } from '../harness/attacker-responder.ts';
import { rawPeer } from '../harness/raw-peer.ts';

const US = 'esa.example.test';
/** The AD the attacker pretends to be: a configured peer of ours. */
const VICTIM = 'dsn.example.test';
/** The attacker's own AD: a key it published and a certificate from the CA we trust, as any peer has. */
const MALLORY = 'mallory.example.test';
/** An AD with two per-speaker keys (§5.1.1) published with a 1 s TTL, so a revocation is seen at once. */
const REVOKED = 'revoked.example.test';
const UNSIGNED = 'gamma.unsigned.test';
const TTL_S = 1;
const EXPIRED_MS = (TTL_S + 1) * 1000 + 300;
const MAX_BYTES = 64 * 1024;
const ROUTE = { announcements: [{ patterns: [{ ipn: { allocator_id: 977, is_wildcard: true } }], ad_path: [VICTIM] }] };

type Line = Record<string, unknown>;

/**
 * §5 and §9 from the attacker's side, end to end: our real Responder (and our real Initiator)
 * over gRPC/TLS 1.3, identities from DNSSEC-signed SVCB records through a validating resolver.
 * Each attack must be refused with its Notification code, logged with the address it came from,
 * and leave nothing of the attacker in the event log.
 */
describe('identity and transport attacks', () => {
  let dns: DnsLab;
  let tls: TlsLab;
  let nc: NatsConnection;
  const keys: Record<string, AdKeyPair> = {};
  const lines: Line[] = [];
  /** Every event the sessions handed to the event log, as they handed it. */
  const appended: PeerEvent[] = [];
  let events: PeerEventLog;
  const stops: (() => unknown)[] = [];
  let open: string;
  let strict: string;
  let records: { signed: string[]; unsigned: string[] };

  const files = (ad: string, requireClientCert = false): TlsFiles => ({ ...tls.issue(ad), ca: tls.ca, requireClientCert });
  const config = (localAd: string): SessionConfig => ({ ...DEFAULT_SESSION_CONFIG, localAd, speakerId: `dtn://speaker.${localAd}`, peers: new Set([VICTIM, MALLORY, REVOKED, UNSIGNED]) });
  const deps = ({ key = keys['us']!, resolvers = [dns.resolver], timeoutMs = 2_000, log = (line: Line): void => void lines.push(line) }: Partial<{ key: AdKeyPair; resolvers: Resolver[]; timeoutMs: number; log: (line: Line) => void }> = {}): SessionDeps => ({
    key,
    lookup: { resolvers, requireDnssec: true, timeoutMs, params: DEFAULT_SVC_PARAMS },
    events,
    log,
    now: Date.now,
    maxInFlight: 64,
    eventLogTimeoutMs: 10_000,
  });
  const responder = async (tlsFiles: TlsFiles, over: Parameters<typeof deps>[0] = {}) => {
    const started = await startResponder({ host: '127.0.0.1', port: 0, tls: tlsFiles, config: config(US), limits: DEFAULT_LIMITS, deps: deps(over) });
    stops.push(started.stop);
    return `127.0.0.1:${started.port}`;
  };
  /** An attacker dialling `address` with a certificate for `certAd` and claiming `claim` in its Hello. */
  const attacker = (address: string, claim = VICTIM, certAd = MALLORY) => rawPeer({ address, expectAd: US, localAd: claim, tls: files(certAd), maxMessageBytes: MAX_BYTES });

  beforeAll(async () => {
    for (const name of ['us', 'victim', 'mallory', 'speaker1', 'speaker2', 'unsigned']) keys[name] = await generateAdKey();
    const line = (ad: string, key: string, priority = 1) => svcbZoneLine(ad, keys[key]!.publicKey, DEFAULT_SVC_PARAMS, priority);
    const short = (zoneLine: string) => zoneLine.replace(' IN SVCB ', ` ${TTL_S} IN SVCB `);
    records = {
      signed: [line(US, 'us'), line(VICTIM, 'victim'), line(MALLORY, 'mallory'), short(line(REVOKED, 'speaker1', 1)), short(line(REVOKED, 'speaker2', 2))],
      unsigned: [line(UNSIGNED, 'unsigned')],
    };
    dns = await startDnsLab(records);
    tls = startTlsLab();
    nc = await connect({ servers: inject('natsUrl') });
    const stream = `EV${randomUUID().replaceAll('-', '')}`;
    const log = await PeerEventLog.open(nc, { stream, subjectPrefix: `t.${stream}` });
    // The real log behind a tap: what reached it is known at once, without reading the stream back.
    events = { append: (e: PeerEvent, id: string) => (appended.push(e), log.append(e, id)) } as unknown as PeerEventLog;
    open = await responder(files(US));
    strict = await responder(files(US, true));
  }, 60_000);
  afterAll(async () => {
    for (const stop of stops) await stop();
    await nc?.close();
    await dns?.stop();
    tls?.remove();
  });

  /** Our Initiator for `localAd` dialling `ad` at `address`; no redial within a test. */
  const dial = (ad: string, address: string, localAd: string, key: AdKeyPair, log: (line: Line) => void = () => undefined) => {
    const dialler = dialPeer({ ad, address }, files(localAd), config(localAd), deps({ key, log }), { backoff: { initialMs: 30_000, maxMs: 30_000 }, maxMessageBytes: MAX_BYTES });
    stops.push(() => dialler.stop());
    return dialler;
  };
  /**
   * Mallory as a Responder that our Initiator dials: it opens a session to `target` claiming
   * `claim`, hands our Initiator the challenge it gets there, and passes the signature on.
   * `answer` is the last message `target` sent Mallory.
   */
  const relay = async (target: string, claim: string) => {
    let last: PeerMessage__Output | undefined;
    const mallory = await attackerResponder(files(MALLORY), async (call) => {
      await call.next('hello');
      const toTarget = attacker(target, claim);
      toTarget.send({ hello: { local_ad_id: claim, hold_time_seconds: 90 } });
      last = await toTarget.next();
      if (last.challenge) {
        call.write({ sequence_number: '1', challenge: { nonce: last.challenge.nonce } });
        toTarget.send({ response: { signature: (await call.next('response')).response!.signature } });
        last = await toTarget.next();
      }
      toTarget.close();
    });
    stops.push(mallory.stop);
    return { address: mallory.address, answer: () => until('the answer to Mallory', () => last) };
  };

  /** The line our Responder wrote when it closed the session with `code`, among those since `from`. */
  const refusedLine = (from: number, code: number) =>
    until(`the log line of Notification ${code}`, () => lines.slice(from).find((l) => l['msg'] === 'session closed' && l['code'] === code));
  /** The attacker tries to get a route in anyway, then nothing from that session may be in the log. */
  const nothingLogged = async (session: unknown, peer?: { send(m: Omit<PeerMessage, 'sequence_number'>): boolean }) => {
    peer?.send({ update: ROUTE });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(appended.filter((e) => e.sessionId === session)).toEqual([]);
    expect(appended.filter((e) => e.kind === 'route-update' && e.peerAd === VICTIM)).toEqual([]);
  };
  /** What an attack on our Responder must leave: its code sent and logged, nothing logged from it. */
  const expectRefused = async (from: number, peer: ReturnType<typeof attacker>, code: number, claim = VICTIM) => {
    expect(await peer.refusal()).toMatchObject({ level: 'ERROR', code });
    const line = await refusedLine(from, code);
    expect(line).toMatchObject({ level: 'warn', msg: 'session closed', code, role: 'responder', peerAd: claim, byPeer: false, peer: expect.stringContaining('127.0.0.1') });
    await nothingLogged(line['session'], peer);
    peer.close();
    return line;
  };

  it('refuses an AD that signs with the key it publishes while claiming another AD in its Hello', async () => {
    const from = lines.length;
    const peer = attacker(open);
    peer.send({ hello: { local_ad_id: VICTIM, hold_time_seconds: 90 } });
    const { challenge } = await peer.next('challenge');
    peer.send({ response: { signature: await signNonce(challenge!.nonce, keys['mallory']!.secretKey) } });
    const line = await expectRefused(from, peer, NotificationCode.BAD_SIGNATURE);
    expect(line['reason']).toMatch(/none of the 1 keys published for dsn\.example\.test/);
  });

  it('refuses a signed response recorded from an earlier session, sent after the new challenge or before it', async () => {
    const victim = attacker(open, VICTIM, VICTIM);
    victim.send({ hello: { local_ad_id: VICTIM, hold_time_seconds: 90 } });
    const first = (await victim.next('challenge')).challenge!.nonce;
    const recorded = await signNonce(first, keys['victim']!.secretKey);
    victim.send({ response: { signature: recorded } });
    await victim.next('keep_alive');
    victim.close();

    let from = lines.length;
    const replay = attacker(open);
    replay.send({ hello: { local_ad_id: VICTIM, hold_time_seconds: 90 } });
    const second = (await replay.next('challenge')).challenge!.nonce;
    expect(second).toHaveLength(32);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(false);
    replay.send({ response: { signature: recorded } });
    await expectRefused(from, replay, NotificationCode.BAD_SIGNATURE);

    // Sent blind, as a recording is replayed: the response arrives while we are looking the AD up.
    from = lines.length;
    const blind = attacker(open);
    blind.send({ hello: { local_ad_id: VICTIM, hold_time_seconds: 90 } });
    blind.send({ response: { signature: recorded } });
    await expectRefused(from, blind, NotificationCode.UNEXPECTED_MESSAGE);
  });

  it('challenges every session with a fresh nonce, so no signature is worth recording', async () => {
    const peers = Array.from({ length: 8 }, () => attacker(open));
    for (const peer of peers) peer.send({ hello: { local_ad_id: VICTIM, hold_time_seconds: 90 } });
    const nonces = await Promise.all(peers.map(async (p) => Buffer.from((await p.next('challenge')).challenge!.nonce).toString('hex')));
    for (const peer of peers) peer.close();
    expect(new Set(nonces).size).toBe(peers.length);
  });

  it.each([
    ['echoed back as the signature', 'response', NotificationCode.BAD_SIGNATURE],
    ['echoed back as a challenge for us to sign', 'challenge', NotificationCode.UNEXPECTED_MESSAGE],
  ] as const)('refuses our nonce %s', async (_, as, code) => {
    const from = lines.length;
    const peer = attacker(open);
    peer.send({ hello: { local_ad_id: VICTIM, hold_time_seconds: 90 } });
    const { nonce } = (await peer.next('challenge')).challenge!;
    peer.send(as === 'response' ? { response: { signature: nonce } } : { challenge: { nonce } });
    await expectRefused(from, peer, code);
  });

  it('refuses, once the operator removed them, a per-speaker record and then the whole RRset, within their TTL', async () => {
    const peer = attacker(open, REVOKED, REVOKED);
    await peer.establish(keys['speaker2']!);
    peer.close();
    const withoutSpeaker2 = records.signed.filter((l) => !l.includes(' 2 . '));
    dns.update({ ...records, signed: withoutSpeaker2 });
    // Our speaker keeps no identity of its own: a removal counts once the resolver's copy expires
    // (unbound counts in whole seconds, so a 1 s TTL can last up to 2 s).
    await new Promise((resolve) => setTimeout(resolve, EXPIRED_MS));
    let from = lines.length;
    const revoked = attacker(open, REVOKED, REVOKED);
    revoked.send({ hello: { local_ad_id: REVOKED, hold_time_seconds: 90 } });
    const { challenge } = await revoked.next('challenge');
    revoked.send({ response: { signature: await signNonce(challenge!.nonce, keys['speaker2']!.secretKey) } });
    const line = await expectRefused(from, revoked, NotificationCode.BAD_SIGNATURE, REVOKED);
    expect(line['reason']).toMatch(/none of the 1 keys/);
    const other = attacker(open, REVOKED, REVOKED);
    await other.establish(keys['speaker1']!);
    other.close();

    dns.update({ ...records, signed: withoutSpeaker2.filter((l) => !l.includes(REVOKED)) });
    await new Promise((resolve) => setTimeout(resolve, EXPIRED_MS));
    from = lines.length;
    const gone = attacker(open, REVOKED, REVOKED);
    gone.send({ hello: { local_ad_id: REVOKED, hold_time_seconds: 90 } });
    await expectRefused(from, gone, NotificationCode.NO_IDENTITY_RECORDS, REVOKED);
    dns.update(records);
  });

  it('refuses an identity from an unsigned zone while DNSSEC is required', async () => {
    const from = lines.length;
    const peer = attacker(open, UNSIGNED);
    peer.send({ hello: { local_ad_id: UNSIGNED, hold_time_seconds: 90 } });
    await expectRefused(from, peer, NotificationCode.DNSSEC_UNSIGNED, UNSIGNED);
  });

  it('refuses an identity the validating resolver finds bogus', async () => {
    const bogus = await responder(files(US), { resolvers: [dns.bogusResolver] });
    const from = lines.length;
    const peer = attacker(bogus);
    peer.send({ hello: { local_ad_id: VICTIM, hold_time_seconds: 90 } });
    await expectRefused(from, peer, NotificationCode.DNSSEC_BOGUS);
  });

  it('refuses with DNS_FAILURE, in the lookup timeout and not the handshake timeout, behind a resolver that never answers', async () => {
    const blackhole: Socket = createSocket('udp4');
    let queries = 0;
    blackhole.on('message', () => queries++);
    await new Promise<void>((resolve) => blackhole.bind(0, '127.0.0.1', resolve));
    stops.push(() => blackhole.close());
    const resolver: Resolver = { host: '127.0.0.1', port: blackhole.address().port };
    const silent = await responder(files(US), { resolvers: [resolver], timeoutMs: 500 });
    const from = lines.length;
    const peer = attacker(silent);
    const started = Date.now();
    peer.send({ hello: { local_ad_id: VICTIM, hold_time_seconds: 90 } });
    const line = await expectRefused(from, peer, NotificationCode.DNS_FAILURE);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(queries).toBeGreaterThan(0);
    expect(line['reason']).toMatch(/no answer over UDP within 500 ms/);
  });

  it('refuses a client certificate for another AD than the Hello claims, so a peer we dial cannot relay our challenge', async () => {
    // The victim's speaker is ours too: its Initiator dials Mallory, one of its peers.
    const mallory = await relay(strict, VICTIM);
    const initiatorLines: Line[] = [];
    const from = lines.length;
    dial(MALLORY, mallory.address, VICTIM, keys['victim']!, (l) => void initiatorLines.push(l));
    const line = await refusedLine(from, NotificationCode.TLS_IDENTITY_MISMATCH);
    expect(line).toMatchObject({ level: 'warn', role: 'responder', peerAd: VICTIM, byPeer: false, peer: expect.stringContaining('127.0.0.1') });
    expect(line['reason']).toMatch(/client certificate does not name dsn\.example\.test/);
    expect((await mallory.answer()).notification).toMatchObject({ level: 'ERROR', code: NotificationCode.TLS_IDENTITY_MISMATCH });
    expect(initiatorLines.some((l) => l['msg'] === 'session established')).toBe(false);
    await nothingLogged(line['session']);
  });

  it('refuses a Hello claiming our own AD, so our challenge cannot be reflected to our own Initiator to sign', async () => {
    // Accepting any AD, our Responder would look up our own key. Mallory, a peer our Initiator
    // dials, claims to be us and has our own Initiator sign the challenge.
    const anyAd = await startResponder({ host: '127.0.0.1', port: 0, tls: files(US), config: { ...config(US), peers: 'any' }, limits: DEFAULT_LIMITS, deps: deps() });
    stops.push(anyAd.stop);
    const mallory = await relay(`127.0.0.1:${anyAd.port}`, US);
    const from = lines.length;
    dial(MALLORY, mallory.address, US, keys['us']!);
    const line = await refusedLine(from, NotificationCode.PEER_NOT_CONFIGURED);
    expect(line).toMatchObject({ level: 'warn', role: 'responder', byPeer: false, peer: expect.stringContaining('127.0.0.1'), reason: `${US} is our own AD` });
    expect((await mallory.answer()).notification).toMatchObject({ level: 'ERROR', code: NotificationCode.PEER_NOT_CONFIGURED });
    await nothingLogged(line['session']);
    expect(appended.filter((e) => e.peerAd === US)).toEqual([]);
  });

  it('does not start a session with a Responder whose certificate names another AD than the one dialled', async () => {
    const impostor = await attackerResponder(files(MALLORY), async () => undefined);
    stops.push(impostor.stop);
    const initiatorLines: Line[] = [];
    const dialler = dial(US, impostor.address, VICTIM, keys['victim']!, (l) => void initiatorLines.push(l));
    const line = await until('the Initiator to give up the session', () => initiatorLines.find((l) => l['msg'] === 'session closed'));
    await dialler.stop();
    // TLS failed before any DPP message: there is nobody to send a Notification to.
    expect(line).toMatchObject({ level: 'info', code: NotificationCode.NONE, role: 'initiator', peerAd: US, peer: impostor.address, byPeer: true });
    expect(line['reason']).toMatch(/Hostname\/IP does not match certificate's altnames.*esa\.example\.test/);
    expect(initiatorLines.find((l) => l['msg'] === 'redialling')).toMatchObject({ level: 'info', peerAd: US });
    expect(impostor.calls()).toBe(0);
    expect(appended.filter((e) => e.sessionId === line['session'])).toEqual([]);
  });

  it('does not sign a challenge nonce shorter than §5.2 allows, as a Responder of its choosing would like', async () => {
    const answer: PeerMessage__Output[] = [];
    const chooser = await attackerResponder(files(MALLORY), async (call) => {
      await call.next('hello');
      call.write({ sequence_number: '1', challenge: { nonce: new Uint8Array(8) } });
      answer.push(await call.next());
    });
    stops.push(chooser.stop);
    const initiatorLines: Line[] = [];
    const dialler = dial(MALLORY, chooser.address, VICTIM, keys['victim']!, (l) => void initiatorLines.push(l));
    const line = await until('the Initiator to refuse', () => initiatorLines.find((l) => l['msg'] === 'session closed'));
    await dialler.stop();
    expect((await until('its answer', () => answer[0])).notification).toMatchObject({ level: 'ERROR', code: NotificationCode.MALFORMED_MESSAGE });
    expect(line).toMatchObject({ level: 'warn', code: NotificationCode.MALFORMED_MESSAGE, role: 'initiator', peerAd: MALLORY, peer: chooser.address, byPeer: false });
    expect(line['reason']).toMatch(/challenge nonce of 8 bytes/);
  });

  it('refuses a TLS 1.2 client before any session exists (§9.2)', async () => {
    const from = lines.length;
    const [host, port] = open.split(':');
    const refusal = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host, port: Number(port), servername: US, ca: tls.ca, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'] });
      socket.once('secureConnect', () => (socket.destroy(), resolve(`connected with ${socket.getProtocol()}`)));
      socket.once('error', (error) => resolve(error.message));
    });
    expect(refusal).toMatch(/protocol version/i);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // grpc-js refuses it inside its TLS server: no session, so none of our lines either.
    expect(lines.slice(from)).toEqual([]);
  });
});
