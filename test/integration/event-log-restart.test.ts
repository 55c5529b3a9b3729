import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationCode } from '#libs/session';
import { peerMessageCodec } from '#libs/wire';
import type { PeerEvent } from '#libs/events';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { startPeeringLab, type PeeringLab } from '../harness/peering-lab.ts';
import { type NatsServer, startNatsServer, until } from '#libs/lab';

const PEER = 'dsn.example.test';
const US = 'esa.example.test';
const UPDATES = 300;

/**
 * design.md property 1 under a fault: nats-server is restarted while a peer streams updates.
 * Every update must be in the log exactly once, in the peer's order (docs/spec-notes.md, event log).
 */
describe('peer events survive a nats-server restart mid-stream', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let lab: PeeringLab;
  let stop: () => Promise<void>;
  let port: number;
  let impatientPort: number;
  let stopImpatient: () => Promise<void>;

  beforeAll(async () => {
    lab = await startPeeringLab(US, PEER);
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const events = await PeerEventLog.open(nc, { stream: 'RESTART', subjectPrefix: 'restart' });
    ({ port, stop } = await lab.responder(events, { eventLogTimeoutMs: 30_000 }));
    ({ port: impatientPort, stop: stopImpatient } = await lab.responder(events, { eventLogTimeoutMs: 1_000 }));
  }, 60_000);
  afterAll(async () => {
    await stop?.();
    await stopImpatient?.();
    await nc?.close();
    await nats?.stop();
    await lab?.stop();
  });

  const establishedPeer = (at: number) => lab.establishedPeer(at);
  const update = (i: number) => ({ update: { announcements: [{ patterns: [{ ipn: { allocator_id: 7, node_id: i } }], ad_path: [PEER] }] } });

  it('logs every update, the last copies in the order the peer sent them', async () => {
    const { send, close } = await establishedPeer(port);

    for (let i = 0; i < UPDATES / 3; i++) send(update(i));
    await nats.restart();
    for (let i = UPDATES / 3; i < UPDATES; i++) {
      send(update(i));
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }

    // JetStream takes a moment to come back after the restart: the poll retries its own requests too.
    const stored = async () => (await (await jetstreamManager(nc)).streams.info('RESTART')).state.messages;
    await until('every update logged', async () => ((await stored()) >= UPDATES + 1 ? true : undefined), { ms: 30_000 });
    const jsm = await jetstreamManager(nc);
    const logged: PeerEvent[] = [];
    const consumer = await jetstream(nc).consumers.get('RESTART');
    const total = (await jsm.streams.info('RESTART')).state.messages;
    for await (const m of await consumer.fetch({ max_messages: total, expires: 5_000 })) {
      logged.push(m.json<PeerEvent>());
      if (logged.length === total) break;
    }
    const nodes = (events: PeerEvent[]) =>
      events.filter((e) => e.kind === 'route-update').map((e) => peerMessageCodec().decode(Buffer.from(e.message!, 'base64')).update!.announcements[0]!.patterns[0]!.ipn!.node_id);
    const sent = Array.from({ length: UPDATES }, (_, i) => i);
    // Every update is in the log; an event appears twice only where a copy restored the order.
    const last = new Map(logged.map((e, at) => [e.n, { e, at }]));
    expect([...nodes([...last.values()].map((l) => l.e))].sort((a, b) => a - b)).toEqual(sent);
    // In order: a reader applying log order ends with the updates as the peer sent them.
    const byLastCopy = [...last.values()].sort((a, b) => a.at - b.at).map((l) => l.e);
    expect(byLastCopy.map((e) => e.n)).toEqual([...last.keys()].sort((a, b) => a - b));
    expect(nodes(byLastCopy)).toEqual(sent);
    close();
  }, 60_000);

  it('ends the session with EVENT_LOG_UNAVAILABLE when the log stays down past the timeout, instead of dropping updates', async () => {
    const peer = await establishedPeer(impatientPort);
    await nats.stop();
    peer.send(update(1));
    const refusal = await peer.next('notification', 10_000);
    expect(refusal.notification).toMatchObject({ level: 'ERROR', code: NotificationCode.EVENT_LOG_UNAVAILABLE });
    peer.close();
  }, 30_000);
});
