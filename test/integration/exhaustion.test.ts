import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import * as grpc from '@grpc/grpc-js';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodePeerEvent, type PeerEvent } from '#libs/events';
import { signNonce } from '#libs/identity';
import { until } from '#libs/lab';
import { NotificationCode, type RouteLimit, type SessionConfig } from '#libs/session';
import { readLog } from '#libs/streams';
import { peerMessageCodec, type PeerMessage__Output, type RouteUpdate } from '#libs/wire';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import type { SpeakerLimits } from '#libs/service-config';
import type { SessionDeps, SessionOutcome } from '../../services/session/src/session-runner.ts';
import { checkHealth } from '../harness/health-check.ts';
import { startPeeringLab, type HandPeer, type PeeringLab } from '../harness/peering-lab.ts';

const US = 'us.example.test';
const PEER = 'peer.example.test';
/** Speaker ids in the Hello tell the good session's events from the flood's (one AD for all). */
const GOOD = 'dtn://good';
const FLOOD = 'dtn://flood';
/** Small limits, so that every flood reaches them within a second or two. */
const LIMITS: SpeakerLimits = { maxMessageBytes: 64 * 1024, maxSessions: 6, connectionRate: { perSecond: 4, burst: 8 } };
const CONFIG: Partial<SessionConfig> = { handshakeTimeoutMs: 2_000, messageRate: { perSecond: 50, burst: 100 } };
/** The good peer's hold time: a keepalive each way every second, a session down after 3 s without one. */
const HOLD = 3;
/** Seconds a peer may take nothing we send: longer than the hold time, so a silent slow reader meets its hold timer first. */
const SEND_HOLD = 4;
/** What "responsive" means here: generous, the machine is shared. */
const RESPONSIVE_MS = 5_000;
const GOOD_UPDATE: RouteUpdate = { announcements: [{ patterns: [{ ipn: { allocator_id: 42, is_wildcard: true } }], ad_path: [PEER], metric: 3 }] };
const codec = peerMessageCodec();
const figures: Record<string, unknown> = {};

const openFds = () => readdirSync('/proc/self/fd').length;
const since = (t: number) => Date.now() - t;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const settled = async (p: Promise<unknown>) => (await Promise.race([p.then(() => true), sleep(0).then(() => false)])) as boolean;
const notification = (peer: HandPeer) => peer.received().find((m) => m.payload === 'notification')?.notification;
const keepalives = (messages: readonly PeerMessage__Output[]) => messages.filter((m) => m.payload === 'keep_alive').length;

/**
 * §9.4 under floods, against the real Responder over gRPC/TLS 1.3 with DNSSEC-verified identities:
 * every flood meets its limit, and a good peer's session established before it goes on as if
 * nothing happened (keepalives both ways, no Notification, its routes logged once and unchanged),
 * while the process keeps answering its health check and new good handshakes.
 */
describe('resource exhaustion (§9.4)', () => {
  let lab: PeeringLab;
  let nc: NatsConnection;
  beforeAll(async () => {
    lab = await startPeeringLab(US, PEER);
    nc = await connect({ servers: inject('natsUrl') });
  }, 60_000);
  afterAll(async () => {
    console.log('exhaustion figures', JSON.stringify(figures));
    await nc?.close();
    await lab?.stop();
  });

  /** Our Responder with the small limits, and a good peer (our own Initiator) established on it with one route. */
  const arena = async ({ config, ...options }: { adjRibOut?: SessionDeps['adjRibOut']; routeLimit?: RouteLimit; config?: Partial<SessionConfig> } = {}) => {
    const id = randomUUID().slice(0, 8);
    const stream = `EX_${id}`;
    const outcomes: SessionOutcome[] = [];
    const responder = await lab.responder(await PeerEventLog.open(nc, { stream, subjectPrefix: `ex.${id}` }), {
      limits: LIMITS,
      config: { ...CONFIG, ...config },
      ready: () => true,
      onOutcome: (o) => outcomes.push(o),
      ...options,
    });
    const good = lab.initiator(responder.port, await PeerEventLog.open(nc, { stream: `EXG_${id}`, subjectPrefix: `exg.${id}` }), { holdTimeOffer: HOLD, speakerId: GOOD });
    await until('the good session up', () => (good.session.phase === 'ESTABLISHED' ? true : undefined));
    good.session.send(GOOD_UPDATE);
    const logged = async (): Promise<PeerEvent[]> => {
      const got: PeerEvent[] = [];
      for await (const m of readLog(nc, stream)) got.push(Result.getOrThrow(decodePeerEvent(m.string())));
      return got;
    };
    await until('the good route logged', async () => ((await logged()).some((e) => e.kind === 'route-update' && e.peerSpeakerId === GOOD) ? true : undefined));
    const health = async () => {
      const t = Date.now();
      const status = await checkHealth(`127.0.0.1:${responder.port}`, grpc.credentials.createSsl(lab.tls.ca), { 'grpc.ssl_target_name_override': US }, RESPONSIVE_MS);
      return { status, ms: since(t) };
    };
    /**
     * A new good peer's handshake, to ESTABLISHED: refused while a limit is reached, it tries
     * again (as our Initiator's backoff would); how long it took and how many refusals.
     */
    const freshHandshake = async (withinMs: number) => {
      const t = Date.now();
      const refusals: number[] = [];
      while (since(t) < withinMs) {
        const peer = lab.openPeer(responder.port);
        peer.send({ hello: { local_ad_id: PEER, speaker_node_id: 'dtn://fresh', hold_time_seconds: 90 } });
        const first = await until('a challenge or a refusal', () => peer.received()[0], { ms: withinMs });
        if (first.payload === 'challenge') {
          peer.send({ response: { signature: await signNonce(first.challenge!.nonce, lab.peerKey.secretKey) } });
          await peer.next('keep_alive', withinMs);
          peer.close();
          return { ms: since(t), refusals };
        }
        refusals.push(first.notification!.code);
        peer.close();
        await sleep(250);
      }
      throw new Error(`no fresh handshake within ${withinMs} ms; refused ${JSON.stringify(refusals)}`);
    };
    const keepalivesAtStart = keepalives(good.received);
    /** The good session, on both sides, is as it was: up, no Notification, keepalives flowing, its one update logged once. */
    const undisturbed = async (floodStarted: number) => {
      expect(good.session.phase).toBe('ESTABLISHED');
      expect(await settled(good.session.done)).toBe(false);
      expect(good.received.filter((m) => m.payload === 'notification')).toEqual([]);
      // One a second from our side (nothing else is sent to it): a stalled loop would show here first.
      expect(keepalives(good.received) - keepalivesAtStart).toBeGreaterThanOrEqual(Math.floor(since(floodStarted) / 1000) - 1);
      expect(responder.sessions().filter((s) => s.peerSpeakerId === GOOD).map((s) => s.phase)).toEqual(['ESTABLISHED']);
      const ours = (await logged()).filter((e) => e.peerSpeakerId === GOOD);
      expect(ours.map((e) => e.kind)).toEqual(['session-up', 'route-update']);
      expect(codec.decode(Buffer.from(ours[1]!.message!, 'base64')).update).toMatchObject({ announcements: [{ ad_path: [PEER], metric: 3, patterns: [{ ipn: { allocator_id: 42, is_wildcard: true } }] }] });
      expect(outcomes.filter((o) => o.sessionId === ours[0]!.sessionId)).toEqual([]);
    };
    const stop = async () => {
      good.session.stop('test done');
      await responder.stop();
    };
    return { responder, good, outcomes, logged, health, freshHandshake, undisturbed, stop };
  };

  it('connection flood: half-open TCP and unfinished TLS are held without harm, sessions past max_sessions and the new-session rate are refused, and no descriptor is left after', async () => {
    const a = await arena();
    const address = { host: '127.0.0.1', port: a.responder.port };
    const fdsBefore = openFds();
    const started = Date.now();
    // TCP connected, then silence: the TLS handshake never starts.
    const silent: Socket[] = Array.from({ length: 200 }, () => tcpConnect(address).on('error', () => undefined));
    // A TLS record header announcing a ClientHello whose body never comes.
    const unfinished: Socket[] = Array.from({ length: 100 }, () => tcpConnect(address, function (this: Socket) { this.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); }).on('error', () => undefined));
    // Sessions, each on its own connection: the §9.4 limits answer these.
    const calls = Array.from({ length: 60 }, () => {
      const peer = lab.openPeer(a.responder.port, { ownConnection: true });
      peer.send({ hello: { local_ad_id: PEER, speaker_node_id: FLOOD, hold_time_seconds: 90 } });
      return peer;
    });
    await until('the flood connected', () => ([...silent, ...unfinished].every((s) => !s.connecting) ? true : undefined));
    const health = await a.health();
    expect(health.status).toBe('SERVING');
    const fresh = await a.freshHandshake(10_000);
    await until('every flood session answered', () => (calls.every((c) => notification(c)) ? true : undefined), { ms: 15_000 });
    const codes = calls.map((c) => notification(c)!.code);
    const count = (code: number) => codes.filter((c) => c === code).length;
    const accepted = count(NotificationCode.HOLD_TIMER_EXPIRED);
    // Then a reconnect storm: sessions one after the other, each dropped at its first answer, so
    // that max_sessions never fills and the new-session rate is what answers.
    const churnStarted = Date.now();
    const churn: (string | number)[] = [];
    for (let i = 0; i < 40; i++) {
      const peer = lab.openPeer(a.responder.port, { ownConnection: true });
      peer.send({ hello: { local_ad_id: PEER, speaker_node_id: FLOOD, hold_time_seconds: 90 } });
      const first = await until('a challenge or a refusal', () => peer.received()[0]);
      churn.push(first.notification?.code ?? first.payload!);
      peer.reset();
      peer.close();
    }
    const churnTook = since(churnStarted);
    Object.assign(figures, {
      connectionFlood: {
        tcpSilent: silent.length,
        tlsUnfinished: unfinished.length,
        sessions: calls.length,
        acceptedThenTimedOut: accepted,
        refusedSessions: count(NotificationCode.LIMIT_SESSIONS),
        refusedRate: count(NotificationCode.LIMIT_CONNECTION_RATE),
        healthMs: health.ms,
        freshHandshakeMs: fresh.ms,
        freshRefusals: fresh.refusals,
        fdsDuringFlood: openFds() - fdsBefore,
        churnSessions: churn.length,
        churnAccepted: churn.filter((c) => c === 'challenge').length,
        churnRefusedRate: churn.filter((c) => c === NotificationCode.LIMIT_CONNECTION_RATE).length,
        churnMs: churnTook,
      },
    });
    expect(churn.every((c) => c === 'challenge' || c === NotificationCode.LIMIT_CONNECTION_RATE)).toBe(true);
    expect(churn.filter((c) => c === 'challenge').length).toBeLessThanOrEqual(LIMITS.connectionRate.burst + (LIMITS.connectionRate.perSecond * churnTook) / 1000);
    expect(churn.filter((c) => c === NotificationCode.LIMIT_CONNECTION_RATE).length).toBeGreaterThan(0);
    // Every flood session was either refused by a limit or ended by its handshake timer, none let through.
    expect(accepted + count(NotificationCode.LIMIT_SESSIONS) + count(NotificationCode.LIMIT_CONNECTION_RATE)).toBe(calls.length);
    // The rate: the burst less the good session, and what refilled while the flood lasted.
    expect(accepted).toBeLessThanOrEqual(LIMITS.connectionRate.burst + (LIMITS.connectionRate.perSecond * since(started)) / 1000);
    expect(count(NotificationCode.LIMIT_CONNECTION_RATE) + count(NotificationCode.LIMIT_SESSIONS)).toBeGreaterThan(0);
    // The half-open connections are still there (nothing of ours ends them before the TLS handshake timeout)...
    expect([...silent, ...unfinished].filter((s) => s.destroyed)).toEqual([]);
    await a.undisturbed(started);
    // ...and cost nothing once their peers go: every descriptor of the flood is released.
    for (const s of [...silent, ...unfinished]) s.destroy();
    for (const c of calls) c.close();
    await until('the flood descriptors released', () => (openFds() <= fdsBefore + 2 ? true : undefined), { ms: 10_000 });
    await a.freshHandshake(5_000);
    await a.undisturbed(started);
    await a.stop();
  }, 60_000);

  it('handshake flood: sessions that send a Hello and never answer, or answer too late, are bounded by max_sessions and each ended by the handshake timer', async () => {
    const a = await arena();
    const started = Date.now();
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, a.responder.sessions().length)), 20);
    // Waves for 4 s: Hellos faster than the connection rate, on the connection grpc-js shares.
    const flood: HandPeer[] = [];
    let challenged = 0;
    for (let wave = 0; wave < 20; wave++) {
      for (let i = 0; i < 4; i++) {
        const peer = lab.openPeer(a.responder.port);
        peer.send({ hello: { local_ad_id: PEER, speaker_node_id: FLOOD, hold_time_seconds: 90 } });
        flood.push(peer);
        // Half answer, but after the handshake timeout: by then the session is gone.
        if (i % 2 === 0) {
          void peer.next('challenge', 5_000).then(
            async (challenge) => {
              challenged++;
              await sleep(CONFIG.handshakeTimeoutMs! + 500);
              peer.send({ response: { signature: await signNonce(challenge.challenge!.nonce, lab.peerKey.secretKey) } });
            },
            () => undefined,
          );
        }
      }
      if (wave === 10) figures['handshakeFloodHealthMs'] = (await a.health()).ms;
      await sleep(200);
    }
    const fresh = await a.freshHandshake(10_000);
    await until('every flood session ended', () => (flood.every((peer) => notification(peer)) ? true : undefined), { ms: 15_000 });
    clearInterval(sampler);
    const ended = flood.map((peer) => notification(peer)!);
    const timedOut = ended.filter((n) => n.code === NotificationCode.HOLD_TIMER_EXPIRED);
    figures['handshakeFlood'] = {
      hellos: flood.length,
      endedByHandshakeTimer: timedOut.length,
      slowChallenged: challenged,
      refusedSessions: ended.filter((n) => n.code === NotificationCode.LIMIT_SESSIONS).length,
      refusedRate: ended.filter((n) => n.code === NotificationCode.LIMIT_CONNECTION_RATE).length,
      mostConcurrent: most,
      freshHandshakeMs: fresh.ms,
      freshRefusals: fresh.refusals,
    };
    expect(most).toBeLessThanOrEqual(LIMITS.maxSessions);
    expect(timedOut.length).toBeGreaterThan(0);
    expect(timedOut.every((n) => /handshake not done within 2000 ms/.test(n.message))).toBe(true);
    expect(ended.every((n) => [NotificationCode.HOLD_TIMER_EXPIRED, NotificationCode.LIMIT_SESSIONS, NotificationCode.LIMIT_CONNECTION_RATE].includes(n.code as never))).toBe(true);
    // No flood session ever got further than the challenge: nothing of theirs in the log.
    expect((await a.logged()).filter((e) => e.peerSpeakerId === FLOOD)).toEqual([]);
    await a.undisturbed(started);
    for (const peer of flood) peer.close();
    await a.stop();
  }, 60_000);

  it('update flood: an established peer sending RouteUpdates as fast as gRPC takes them is ended at its message rate, with no more logged than the rate allowed', async () => {
    const a = await arena();
    const flooder = await lab.establishedPeer(a.responder.port, { speakerId: FLOOD });
    const started = Date.now();
    // Messages the client's stream took (gRPC buffers them until HTTP/2 flow control says stop).
    let written = 0;
    let healthMs: number | undefined;
    const probe = a.health().then((h) => (healthMs = h.ms));
    while (!notification(flooder) && since(started) < 15_000) {
      const update = { announcements: [{ patterns: [{ ipn: { allocator_id: 7, node_id: written + 1 } }], ad_path: [PEER] }] };
      written++;
      if (!flooder.send({ update })) await Promise.race([flooder.drained(), flooder.ended, sleep(100)]);
    }
    const took = since(started);
    await probe;
    expect(notification(flooder)).toMatchObject({ level: 'ERROR', code: NotificationCode.LIMIT_MESSAGE_RATE });
    const down = await until('the flooder down in the log', async () => (await a.logged()).find((e) => e.kind === 'session-down' && e.peerSpeakerId === FLOOD));
    expect(down).toMatchObject({ code: NotificationCode.LIMIT_MESSAGE_RATE });
    const logged = (await a.logged()).filter((e) => e.kind === 'route-update' && e.peerSpeakerId === FLOOD).length;
    figures['updateFlood'] = { written, logged, tookMs: took, healthMs };
    // At most a full burst when the flood began, and what refilled at the rate while it lasted.
    expect(logged).toBeLessThanOrEqual(CONFIG.messageRate!.burst + (CONFIG.messageRate!.perSecond * took) / 1000);
    expect(logged).toBeLessThan(written);
    await a.undisturbed(started);
    flooder.close();
    await a.stop();
  }, 60_000);

  // route-limit.test.ts pins what each action does to the peer over its limit, transit.test.ts the
  // teardown at the RIB; neither has a second peer on the same speaker meanwhile.
  it('max routes: a peer torn down over its route limit leaves the other sessions as they were', async () => {
    const a = await arena({ routeLimit: { max: 5, action: 'teardown' } });
    const started = Date.now();
    const greedy = await lab.establishedPeer(a.responder.port, { speakerId: FLOOD });
    greedy.send({ update: { announcements: [{ patterns: Array.from({ length: 8 }, (_, n) => ({ ipn: { allocator_id: 8, node_id: n + 1 } })), ad_path: [PEER] }] } });
    expect((await greedy.next('notification')).notification).toMatchObject({ code: NotificationCode.LIMIT_ROUTES });
    await until('the greedy peer down in the log', async () => (await a.logged()).find((e) => e.kind === 'session-down' && e.peerSpeakerId === FLOOD));
    await a.undisturbed(started);
    greedy.close();
    await a.stop();
  }, 30_000);

  it('slow reader: a peer that never reads its full table holds the feed at what the HTTP/2 windows take, is ended by its hold timer or, if it keeps talking, by the send hold timer, and its stream is reset at once', async () => {
    const TABLE = 3_000;
    const update = (u: number): RouteUpdate => ({ announcements: [{ patterns: Array.from({ length: 100 }, (_, n) => ({ ipn: { allocator_id: 9, node_id: u * 100 + n + 1 } })), ad_path: [US], metric: 1 }], withdrawals: [] });
    const UPDATE_BYTES = codec.encode({ sequence_number: '1', update: update(TABLE) }).length;
    const feeds: { handed: number; stopped: boolean; done: boolean }[] = [];
    // Some 3 MB of RouteUpdates, taken from the table only as fast as `send` lets it (as followAdjRibOut does).
    const adjRibOut: SessionDeps['adjRibOut'] = (_peerAd, send) => {
      const feed = { handed: 0, stopped: false, done: false };
      feeds.push(feed);
      void (async () => {
        for (let u = 0; u < TABLE && !feed.stopped; u++) {
          feed.handed++;
          await send(update(u));
        }
        feed.done = true;
      })();
      return { stop: () => void (feed.stopped = true) };
    };
    const a = await arena({ adjRibOut, config: { sendHoldTime: SEND_HOLD } });
    await until('the good peer has its full table', () => (feeds[0]?.done && a.good.received.filter((m) => m.update).length === TABLE ? true : undefined), { ms: 20_000 });
    const started = Date.now();
    const slow = await lab.establishedPeer(a.responder.port, { speakerId: 'dtn://slow', holdTime: HOLD });
    slow.pause();
    const feed = await until('the slow feed started', () => feeds[1]);
    await sleep(1_500);
    const blockedAt = feed.handed;
    await sleep(1_000);
    // Blocked: nothing more taken from the table while the peer does not read, and what was is a few windows' worth.
    expect(feed.handed).toBe(blockedAt);
    expect(blockedAt * UPDATE_BYTES).toBeLessThan(1024 * 1024);
    // It sends nothing either: the hold timer ends it, and its feed is let go.
    const outcome = await until('the slow session ended', () => a.outcomes.find((o) => o.established && o.code === NotificationCode.HOLD_TIMER_EXPIRED), { ms: 10_000 });
    expect(outcome.byPeer).toBe(false);
    await until('the slow feed stopped', () => (feed.stopped ? true : undefined));
    expect(feed.handed).toBe(blockedAt);
    figures['slowReader'] = { tableBytes: TABLE * UPDATE_BYTES, bytesTakenBeforeBlocked: blockedAt * UPDATE_BYTES, endedAfterMs: since(started) };
    // Its session ended while it took nothing: its stream is reset (the Notification had a grace to go out), not left holding what we queued, and its place under max_sessions is free.
    await until('the slow call reset', async () => ((await settled(slow.ended)) ? true : undefined), { ms: 6_000 });
    expect((await a.freshHandshake(5_000)).refusals).toEqual([]);

    // A peer that reads nothing but keeps talking never meets its hold timer: the send hold timer (RFC 9687) ends it (the fresh handshake above ends by the peer).
    const before = a.outcomes.length;
    const talker = await lab.establishedPeer(a.responder.port, { speakerId: 'dtn://talker', holdTime: HOLD });
    talker.pause();
    const talking = Date.now();
    const chatter = setInterval(() => talker.send({ keep_alive: {} }), 500);
    try {
      const ended = await until('the talking slow session ended', () => a.outcomes.slice(before).find((o) => o.established && !o.byPeer), { ms: 15_000 });
      expect(ended).toMatchObject({ code: NotificationCode.HOLD_TIMER_EXPIRED, byPeer: false, reason: expect.stringContaining('send hold timer') });
      await until('its call reset', async () => ((await settled(talker.ended)) ? true : undefined), { ms: 3_000 });
      figures['sendHold'] = { configuredS: SEND_HOLD, endedAfterMs: since(talking) };
    } finally {
      clearInterval(chatter);
    }
    await a.undisturbed(started);
    await a.stop();
  }, 60_000);
});
