import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { PeerEvent } from '#libs/events';
import { GatewayFib } from '#libs/gateway-client';
import { ensureStream } from '#libs/streams';
import { peerMessageCodec } from '#libs/wire';
import { startFibExport } from '../../services/fib-export/src/fib-exporter.ts';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startImportStage } from '../../services/rib/src/import-stage.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { startNatsServer } from '../../test/harness/nats-server.ts';
import { figure, median, type Figure } from '../lib/figure.ts';

const US = 'us.example.org';
const PEER = 'dsn.example.org';
const p = (samples: readonly number[], q: number): number => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;

/**
 * FIB convergence: one advertisement appended to the peer event log (as the session service does
 * on receipt) until the gateway's FIB holds it, through the import stage, the RIB, the Loc-RIB
 * change stream, the FIB export and the gateway's KV bucket, on a RIB preloaded with `preload`
 * routes, one advertisement at a time at a low steady rate. Beside it, in the same run, the
 * latency of one bare JetStream publish to an ordered consumer's delivery. p99 per round.
 */
export async function fibConvergence(preload: number, rounds: number, perRound: number): Promise<Figure> {
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  const dir = mkdtempSync(join(tmpdir(), 'dpp-bench-conv-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const log = () => undefined;
    const peers = await PeerEventLog.open(nc, { stream: 'PEERS', subjectPrefix: 'peers' });
    for (const name of ['RIBIN', 'LOCRIB']) await ensureStream(nc, { name, subjects: [`${name.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
    stops.push((await startImportStage(nc, { peerStream: 'PEERS', ribStream: 'RIBIN', ribSubject: 'ribin.verdict', restartMs: 0, batch: 256, log })).stop);
    const store = CheckpointStore.open(join(dir, 'rib.sqlite'));
    const rib = await startRib(nc, store, { localAd: US, inputStream: 'RIBIN', clockSubject: 'ribin.clock', changeSubject: 'locrib.change', changeStream: 'LOCRIB', batch: 256, now: Date.now, log });
    stops.push(async () => (await rib.stop(), store.close()));
    stops.push((await startFibExport(nc, { changeStream: 'LOCRIB', gateways: [{ name: 'gw', fromPeers: undefined, schemes: undefined }], bucketPrefix: 'fib', batch: 256, log })).stop);

    let n = 0;
    const advertise = (allocator: number, nodes: readonly number[]) => {
      n++;
      const update = { announcements: [{ patterns: nodes.map((node_id) => ({ ipn: { allocator_id: allocator, node_id } })), ad_path: [PEER] }] };
      const event: PeerEvent = { v: 1, kind: 'route-update', sessionId: 's', n, speakerId: 'dtn://us', peerAd: PEER, peerSpeakerId: 'dtn://dsn', receivedAt: Date.now(), sequenceNumber: String(n), message: peerMessageCodec().encode({ sequence_number: String(n), update }).toString('base64') };
      return peers.append(event, `s-${n}`);
    };
    const arrived = new Map<string, number>();
    const fib = await GatewayFib.open(nc, { gateway: 'gw', bucketPrefix: 'fib', onChange: ({ pattern }) => arrived.set(pattern, performance.now()) });
    stops.push(() => fib.close());
    // The preload: advertisements of 100 routes, pipelined, then until the gateway holds them all.
    for (let i = 0; i < preload; i += 100 * 64) await Promise.all(Array.from({ length: Math.min(64, Math.ceil((preload - i) / 100)) }, (_, k) => advertise(1, Array.from({ length: 100 }, (_, j) => i + k * 100 + j))));
    while (fib.size < preload) await new Promise((resolve) => setTimeout(resolve, 50));

    const js = jetstream(nc);
    await (await jetstreamManager(nc)).streams.add({ name: 'RAW', subjects: ['raw.>'], storage: StorageType.File });
    const raw = await (await js.consumers.get('RAW', { deliver_policy: DeliverPolicy.New })).consume();
    const rawArrived = new Map<string, number>();
    void (async () => {
      for await (const m of raw) rawArrived.set(m.string(), performance.now());
    })();
    stops.push(async () => void (await raw.close()));

    const measured: number[] = [];
    const baseline: number[] = [];
    const all: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const round: number[] = [];
      const rawRound: number[] = [];
      for (let i = 0; i < perRound; i++) {
        const node = r * perRound + i;
        const start = performance.now();
        await advertise(2, [node]);
        const pattern = `ipn:2.${node}`;
        while (!arrived.has(pattern)) await new Promise((resolve) => setImmediate(resolve));
        round.push(arrived.get(pattern)! - start);
        const rawStart = performance.now();
        await js.publish('raw.x', `${r}.${i}`);
        while (!rawArrived.has(`${r}.${i}`)) await new Promise((resolve) => setImmediate(resolve));
        rawRound.push(rawArrived.get(`${r}.${i}`)! - rawStart);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      measured.push(p(round, 0.99));
      baseline.push(p(rawRound, 0.99));
      all.push(...round);
    }
    return figure({
      name: `FIB convergence, one advertisement on ${preload} routes`,
      unit: 'ms p99',
      measured: { name: 'peer event log → gateway FIB', runs: measured },
      baseline: { name: 'JetStream publish → ordered consumer', runs: baseline },
      targets: { max: 10 },
      notes: { preload, samples: all.length, 'p50 ms': p(all, 0.5), 'p99 ms': p(all, 0.99), 'max ms': Math.max(...all), 'baseline p99 of rounds, median': median(baseline) },
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await nc.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
