import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHeartbeat, peerEventStream, peerEventSubject, type PeerEvent } from '#libs/events';
import { ensureStream, openLivenessBucket, readLog } from '#libs/streams';
import { startNatsServer, until, type NatsServer } from '#libs/lab';
import { startLivenessWatch } from '../../services/policy/src/liveness-watch.ts';

const STREAMS = { peerEvents: 'LVO', peerSubjectPrefix: 'lvo', replicas: 1, liveness: { bucket: 'LVO-speakers', intervalMs: 200, deadAfterMs: 8_000 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Found by the kill -9 run (test/chaos): after a NATS restart the policy service's liveness watch
 * took a session service that was running all along for dead, because its last heartbeat was
 * from before the outage, and logged the end of its sessions: their routes went while the
 * sessions went on. A heartbeat missed while the cluster was away is not the service's silence.
 */
describe('the liveness watch across a NATS outage', () => {
  let nats: NatsServer;
  let watcher: NatsConnection;
  let speaker: NatsConnection;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    watcher = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    speaker = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await ensureStream(watcher, peerEventStream(STREAMS));
  });
  afterAll(async () => {
    await speaker?.close();
    await watcher?.close();
    await nats?.stop();
  });

  it('gives every session service the whole dead-after time once the cluster is back, and still judges one that stays silent', async () => {
    const heartbeats = await openLivenessBucket(speaker, STREAMS.liveness, 1);
    // Each service has one session up, with a peer of its own, as the log says.
    const peerAd = (instance: string) => `${instance}.example.test`;
    const beat = (instance: string) => encodeHeartbeat({ instance, speakerId: `dtn://${instance}`, sessions: [{ sessionId: `${instance}-s`, peerAd: peerAd(instance), peerSpeakerId: 'dtn://p' }] });
    for (const instance of ['alive', 'gone']) {
      const up: PeerEvent = { v: 1, kind: 'session-up', sessionId: `${instance}-s`, n: 1, speakerId: `dtn://${instance}`, peerAd: peerAd(instance), peerSpeakerId: 'dtn://p', receivedAt: Date.now(), holdTime: 90 };
      await jetstream(watcher).publish(peerEventSubject(STREAMS.peerSubjectPrefix, up), JSON.stringify(up));
    }
    let alive = true;
    const beating = setInterval(() => void (alive && heartbeats.put('alive', beat('alive')).catch(() => undefined)), 200);
    // One that was never heard of again: still judged, after its time.
    await heartbeats.put('gone', beat('gone'));
    const watch = await startLivenessWatch(watcher, STREAMS, { log: (l) => lines.push(l) });
    try {
      // A dozen checks read the heartbeats from one consumer of the bucket (a listing per check left a consumer each to expire).
      await sleep(2_500);
      const consumers = await (await jetstreamManager(watcher)).consumers.list(`KV_${STREAMS.liveness.bucket}`).next();
      expect(consumers.length).toBe(1);
      // Down for longer than dead_after_ms: every heartbeat is older than that when it is back. The
      // running service is heard of again 5.5 s later (its connection back later than the
      // watcher's), after the watcher has checked again (its first request after the outage ends
      // within the 5 s request timeout), but within dead_after_ms of it.
      alive = false;
      await nats.restart(9_000);
      await sleep(5_500);
      alive = true;
      await until('the silent one judged', () => lines.find((l) => l['msg'] === 'session service lost: its sessions logged as ended'), { ms: 30_000 });
      await sleep(2_500);
      expect(lines.filter((l) => l['msg'] === 'session service lost: its sessions logged as ended').map((l) => l['instance'])).toEqual(['gone']);
      const ended: string[] = [];
      for await (const m of readLog(watcher, STREAMS.peerEvents)) if (m.json<PeerEvent>().kind === 'session-down') ended.push(m.json<PeerEvent>().sessionId);
      expect(ended).toEqual(['gone-s']);
    } finally {
      alive = false;
      clearInterval(beating);
      await watch.stop();
    }
  }, 60_000);
});
