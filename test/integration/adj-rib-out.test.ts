import { randomUUID } from 'node:crypto';
import { StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeExportedRoute } from '#libs/events';
import { attributesOf } from '#libs/rib';
import { adToken, keyOf, tableBucket } from '#libs/tables';
import { followAdjRibOut } from '../../services/session/src/adj-rib-out-feed.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { startPeeringLab, type HandPeer, type PeeringLab } from '../harness/peering-lab.ts';
import { until } from '../harness/until.ts';

const US = 'us.example.test';
const PEER = 'peer.example.test';
const ROUTES = 2_500;

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
    const kv = await new Kvm(nc).create(tableBucket(prefix, adToken(PEER)), { history: 1, storage: StorageType.File });
    const attributes = attributesOf({ adPath: [US, 'far.example.test'], metric: 4, transitive: [] });
    for (let n = 1; n <= ROUTES; n++) await kv.put(keyOf(`ipn:9.${n}`), encodeExportedRoute(`ipn:9.${n}`, attributes));
    const id = randomUUID().slice(0, 8);
    const responder = await lab.responder(await PeerEventLog.open(nc, { stream: `AO_${id}`, subjectPrefix: `ao.${id}` }), {
      adjRibOut: (peerAd, send) => followAdjRibOut(nc, tableBucket(prefix, adToken(peerAd)), send, { maxPatterns: 1_000, log: () => undefined }),
    });
    const peer = await lab.establishedPeer(responder.port);
    await until('the full table', () => (held(peer).size === ROUTES ? true : undefined), { ms: 20_000 });
    const updates = peer.received().filter((m) => m.update);
    expect(updates.every((m) => m.update!.announcements.reduce((n, a) => n + a.patterns.length, 0) <= 1_000)).toBe(true);
    expect(updates[0]!.update!.announcements[0]).toMatchObject({ ad_path: [US, 'far.example.test'], metric: 4 });

    await kv.delete(keyOf('ipn:9.7'));
    await until('the withdrawal', () => (held(peer).size === ROUTES - 1 ? true : undefined), { ms: 10_000 });
    expect(held(peer).has(JSON.stringify({ allocator_id: 9, node_id: 7, is_wildcard: false }))).toBe(false);
    peer.close();
    await responder.stop();
  }, 60_000);
});
