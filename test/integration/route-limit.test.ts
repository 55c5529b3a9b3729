import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodePeerEvent, type PeerEvent } from '#libs/events';
import type { RouteLimit } from '#libs/session';
import { readLog } from '#libs/streams';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { startPeeringLab, type PeeringLab } from '../harness/peering-lab.ts';
import { until } from '#libs/lab';

const US = 'us.example.test';
const PEER = 'peer.example.test';
const node = (n: number) => ({ ipn: { allocator_id: 7, node_id: n } });

/** §9.4 route limits on a real session (gRPC, TLS, DNSSEC): what each action does to the events logged and to the session. */
describe('route limit per peer', () => {
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

  /** A session under `limit`: the route updates it logged, once `updates` of them are in. */
  const session = async (limit: RouteLimit, script: (send: (update: object) => void) => void, updates: number, log: (line: Record<string, unknown>) => void = () => undefined): Promise<PeerEvent[]> => {
    const id = randomUUID().slice(0, 8);
    const events = await PeerEventLog.open(nc, { stream: `RL_${id}`, subjectPrefix: `rl.${id}` });
    const responder = await lab.responder(events, { routeLimit: limit, log });
    const peer = await lab.establishedPeer(responder.port);
    script((update) => peer.send({ update }));
    const logged = await until('the updates logged', async () => {
      const got: PeerEvent[] = [];
      for await (const m of readLog(nc, `RL_${id}`)) {
        const e = Result.getOrThrow(decodePeerEvent(m.string()));
        if (e.kind === 'route-update') got.push(e);
      }
      return got.length >= updates ? got : undefined;
    });
    peer.close();
    await responder.stop();
    return logged;
  };

  it('drop: marks the routes above the limit in the event, keeps the session, and takes routes again once some are withdrawn', async () => {
    const logged = await session({ max: 2, action: 'drop' }, (send) => {
      send({ announcements: [{ patterns: [node(1), node(2), node(3)], ad_path: [PEER] }] });
      send({ withdrawals: [{ patterns: [node(1)] }], announcements: [{ patterns: [node(4)], ad_path: [PEER] }] });
      send({ announcements: [{ patterns: [node(5)], ad_path: [PEER] }] });
    }, 3);
    expect(logged.map((e) => e.overLimit)).toEqual([{ limit: 2, routes: [{ pattern: 'ipn:7.3.*' }] }, undefined, { limit: 2, routes: [{ pattern: 'ipn:7.5.*' }] }]);
  }, 30_000);

  it('warn: logs every route, none marked, and warns once while over', async () => {
    const lines: Record<string, unknown>[] = [];
    const logged = await session(
      { max: 1, action: 'warn' },
      (send) => {
        send({ announcements: [{ patterns: [node(1), node(2), node(3)], ad_path: [PEER] }] });
        send({ announcements: [{ patterns: [node(4)], ad_path: [PEER] }] });
      },
      2,
      (line) => lines.push(line),
    );
    expect(logged.map((e) => e.overLimit)).toEqual([undefined, undefined]);
    expect(lines.filter((l) => l['msg'] === 'peer is over its route limit')).toEqual([expect.objectContaining({ level: 'warn', routes: 3, max: 1, peerAd: PEER })]);
  }, 30_000);
});
