import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeExportedRoute } from '#libs/events';
import { attributesOf } from '#libs/rib';
import { adToken, keyOf, tableBucket, TableWriter } from '#libs/tables';
import { followAdjRibOut } from '../../services/session/src/adj-rib-out-feed.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { startPeeringLab, type HandPeer, type PeeringLab } from '../harness/peering-lab.ts';
import { EventEmitter } from 'node:events';
import { DEFAULT_SVC_PARAMS, generateAdKey, signNonce } from '#libs/identity';
import { until } from '#libs/lab';
import { DEFAULT_SESSION_CONFIG } from '#libs/session';
import { peerMessageCodec, type PeerMessage, type RouteUpdate } from '#libs/wire';
import { runSession, type PeerStream } from '../../services/session/src/session-runner.ts';

const US = 'us.example.test';
const PEER = 'peer.example.test';
const ROUTES = 2_500;
const codec = peerMessageCodec();

/** What the peer holds from what it received: pattern count announced less withdrawn. */
const held = (peer: HandPeer) => {
  const routes = new Set<string>();
  for (const m of peer.received()) {
    for (const w of m.update?.withdrawals ?? []) for (const p of w.patterns) routes.delete(JSON.stringify(p.ipn));
    for (const a of m.update?.announcements ?? []) for (const p of a.patterns) routes.add(JSON.stringify(p.ipn));
  }
  return routes;
};

/** An established session sends its peer the Adj-RIB-Out the policy service keeps: the whole table, then each change. */
describe("a peer's Adj-RIB-Out over a real session", () => {
  let lab: PeeringLab;
  let nc: NatsConnection;
  beforeAll(async () => {
    lab = await startPeeringLab(US, PEER);
    nc = await connect({ servers: inject('natsUrl') });
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await lab?.stop();
  });

  it('sends the full table after ESTABLISHED in updates of at most max_patterns_per_update, then a withdrawal when a route leaves', async () => {
    const prefix = `out${randomUUID().slice(0, 8)}`;
    const table = await TableWriter.open(nc, tableBucket(prefix, adToken(PEER)), { log: () => undefined });
    const attributes = attributesOf({ adPath: [US, 'far.example.test'], metric: 4, transitive: [] });
    const routes = Array.from({ length: ROUTES }, (_, i) => ({ key: keyOf(`ipn:9.${i + 1}.*`, undefined), value: encodeExportedRoute(`ipn:9.${i + 1}.*`, attributes) }));
    await table.append([{ id: 'routes', deltas: routes }]);
    const id = randomUUID().slice(0, 8);
    const responder = await lab.responder(await PeerEventLog.open(nc, { stream: `AO_${id}`, subjectPrefix: `ao.${id}` }), {
      adjRibOut: (peerAd, send) => followAdjRibOut(nc, tableBucket(prefix, adToken(peerAd)), send, { maxPatterns: 1_000, maxBytes: 4 * 1024 * 1024, log: () => undefined }),
    });
    const peer = await lab.establishedPeer(responder.port);
    await until('the full table', () => (held(peer).size === ROUTES ? true : undefined), { ms: 20_000 });
    const updates = peer.received().filter((m) => m.update);
    expect(updates.every((m) => m.update!.announcements.reduce((n, a) => n + a.patterns.length, 0) <= 1_000)).toBe(true);
    expect(updates[0]!.update!.announcements[0]).toMatchObject({ ad_path: [US, 'far.example.test'], metric: 4 });

    await table.append([{ id: 'withdraw', deltas: [{ key: keyOf('ipn:9.7.*', undefined), value: undefined }] }]);
    await until('the withdrawal', () => (held(peer).size === ROUTES - 1 ? true : undefined), { ms: 10_000 });
    expect(held(peer).has(JSON.stringify({ allocator_id: 9, node_id: 7, is_wildcard: false }))).toBe(false);
    peer.close();
    await responder.stop();
  }, 60_000);

  it('holds the feed while the stream is full, lets it go on drain, and releases it when the session ends undrained', async () => {
    const id = randomUUID().slice(0, 8);
    const events = await PeerEventLog.open(nc, { stream: `WL_${id}`, subjectPrefix: `wl.${id}` });
    const written: PeerMessage[] = [];
    let full = false;
    const emitter = new EventEmitter();
    // A stream whose peer reads only when told: write() answers false while it is "full".
    const stream = Object.assign(emitter, { write: (m: PeerMessage) => (written.push(m), !full), end: () => undefined, pause: () => undefined, resume: () => undefined }) as unknown as PeerStream & EventEmitter;
    const received = (m: PeerMessage) => {
      const bytes = Buffer.from(codec.encode(m));
      emitter.emit('data', { message: codec.decode(bytes), bytes });
    };
    const sends: ('pending' | 'settled')[] = [];
    let send: ((update: RouteUpdate) => Promise<void>) | undefined;
    let stopped = false;
    const session = runSession('responder', { ...DEFAULT_SESSION_CONFIG, localAd: US, speakerId: 'dtn://us', peers: new Set([PEER]) }, stream, {
      key: await generateAdKey(),
      lookup: { resolvers: [lab.dns.resolver], requireDnssec: true, timeoutMs: 2_000, params: DEFAULT_SVC_PARAMS },
      events,
      log: () => undefined,
      now: Date.now,
      maxInFlight: 64,
      eventLogTimeoutMs: 30_000,
      adjRibOut: (_peerAd, sender) => ((send = sender), { stop: () => void (stopped = true) }),
    });
    const track = (p: Promise<void>) => {
      const i = sends.push('pending') - 1;
      void p.then(() => (sends[i] = 'settled'));
    };
    received({ sequence_number: '1', hello: { local_ad_id: PEER, hold_time_seconds: 3 } });
    const challenge = await until('the challenge', () => written.find((m) => m.challenge));
    received({ sequence_number: '2', response: { signature: await signNonce(challenge.challenge!.nonce as Uint8Array, lab.peerKey.secretKey) } });
    await until('established', () => send);
    full = true;
    track(send!({ announcements: [], withdrawals: [] }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sends).toEqual(['pending']);
    full = false;
    emitter.emit('drain');
    await until('the feed let go on drain', () => (sends[0] === 'settled' ? true : undefined));
    // Full again, a keepalive (every hold/3 = 1 s) also hits it, and the peer goes away undrained.
    full = true;
    track(send!({ announcements: [], withdrawals: [] }));
    const keepalives = () => written.filter((m) => m.keep_alive).length;
    const before = keepalives();
    await until('a keepalive into the full stream', () => (keepalives() > before ? true : undefined), { ms: 5_000 });
    emitter.emit('close');
    await session.done;
    await until('the waiting send released', () => (sends[1] === 'settled' ? true : undefined));
    expect(stopped).toBe(true);
  }, 30_000);
});
