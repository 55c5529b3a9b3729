import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { fileURLToPath } from 'node:url';
import { generateAdKey } from '#libs/identity';
import { GatewayFib } from '#libs/gateway-client';
import { ensureStream, HOT_PATH } from '#libs/streams';
import { peerMessageCodec, type RouteUpdate } from '#libs/wire';
import { startFibExport } from '../../services/fib-export/src/fib-exporter.ts';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { startPeeringLab, type HandPeer } from '../../test/harness/peering-lab.ts';
import { writeSpeakerConfig, writeSpeakerFiles } from '../../test/harness/speaker-files.ts';
import { Arrivals } from '../lib/arrivals.ts';
import { atRest } from '../lib/at-rest.ts';
import { figure, median, type Figure } from '../lib/figure.ts';
import { freePort, startNatsServer, until } from '#libs/lab';

const root = fileURLToPath(new URL('../../', import.meta.url));

const US = 'us.example.test';
const PEER = 'dsn.example.test';
const PER_UPDATE = 100;
const p = (samples: readonly number[], q: number): number => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** This process's memory after a full GC (the bench runs with --expose-gc). */
const memoryAfterGc = (): NodeJS.MemoryUsage => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
};

/**
 * When each convergence probe (allocator 2) reached the gateway. Only those: a map of the million
 * ingest arrivals cost this process, which shares the two cores with the stack, 1.8 s of CPU.
 */
const timeArrivals = (arrived: Arrivals<string>) => ({ pattern, entry }: { pattern: string; entry: unknown }) => {
  if (entry && pattern.startsWith('ipn:2.')) arrived.record(pattern);
};

/** A speaker stack to measure: how to reach its session service, and the gateway FIB at its end. */
export interface Stack {
  readonly nc: NatsConnection;
  establish(): Promise<HandPeer>;
  readonly fib: GatewayFib;
  /** When each convergence probe's entry reached the gateway. */
  readonly arrived: Arrivals<string>;
  /** Every process of the stack (this one, the gateway's, among them): the idle figures wait for them to be at rest. */
  pids(): readonly number[];
}

/**
 * The whole route path with real parts: a peer over gRPC/TLS (identity through the DNSSEC lab)
 * → session service → peer event log → import stage → RIB (SQLite checkpoint) → Loc-RIB changes
 * → FIB export → the gateway's table stream → GatewayFib. Two shapes: the services in one process
 * (`pipeline`), and each its own `dpp` process from one config file as `dpp up` runs them
 * (`pipelineProcesses`). Four figures each:
 * 1. Ingest: `n` routes in RouteUpdates of 100, until the gateway holds them all; beside it, a
 *    bare pipelined JetStream publish of as many events of the same size.
 * 2. Convergence: single advertisements at a low steady rate on that loaded RIB, once the stack
 *    is at rest, from the gRPC write to the gateway's delta, p99 per round; beside it a bare
 *    publish → ordered consumer.
 * 3. The same while the peer sends 10k routes/s of other updates; beside it, the idle figure.
 * 4. Session loss: the peer's session ends; until the gateway has none of its routes left.
 */
export async function pipeline(n: number, rounds: number, perRound: number): Promise<Figure[]> {
  const nats = await startNatsServer();
  const lab = await startPeeringLab(US, PEER);
  const nc = await connect({ ...HOT_PATH, servers: nats.url });
  const dir = mkdtempSync(join(tmpdir(), 'dpp-bench-pipe-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const log = () => undefined;
    const events = await PeerEventLog.open(nc, { stream: 'PEERS', subjectPrefix: 'peers' });
    const responder = await lab.responder(events);
    stops.push(responder.stop);
    for (const name of ['RIBIN', 'LOCRIB']) await ensureStream(nc, { name, subjects: [`${name.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
    stops.push((await startImportStage(nc, { peerStream: 'PEERS', ribStream: 'RIBIN', ribSubject: 'ribin.verdict', restartMs: 0, batch: 256, log })).stop);
    const store = CheckpointStore.open(join(dir, 'rib.sqlite'));
    const rib = await startRib(nc, store, { localAd: US, inputStream: 'RIBIN', clockSubject: 'ribin.clock', changeSubject: 'locrib.change', changeStream: 'LOCRIB', batch: 256, catchUpMs: 60_000, now: Date.now, log });
    stops.push(async () => (await rib.stop(), store.close()));
    stops.push((await startFibExport(nc, { changeStream: 'LOCRIB', gateways: [{ name: 'gw', fromPeers: undefined, schemes: undefined }], bucketPrefix: 'fib', batch: 256, log })).stop);
    const arrived = new Arrivals<string>();
    const fib = await GatewayFib.open(nc, { gateway: 'gw', bucketPrefix: 'fib', onChange: timeArrivals(arrived) });
    stops.push(() => fib.close());
    return await measure('one process', { nc, establish: () => lab.establishedPeer(responder.port), fib, arrived, pids: () => [process.pid, nats.pid] }, n, rounds, perRound);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await nc.close();
    await nats.stop();
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same figures with the session, policy, RIB and FIB-export services each a `dpp` process of its own. */
export async function pipelineProcesses(n: number, rounds: number, perRound: number): Promise<Figure[]> {
  const stack = await startProcessesStack();
  try {
    return await measure('dpp processes', stack, n, rounds, perRound);
  } finally {
    await stack.stop();
  }
}

/**
 * A speaker as `dpp up` runs it: its four services, each a `dpp` process of its own from one config
 * file, on a nats-server of its own, a peer lab, and the gateway `gw`'s FIB followed here.
 */
export async function startProcessesStack(): Promise<Stack & { readonly ads: { readonly us: string; readonly peer: string }; readonly services: readonly number[]; stop(): Promise<void> }> {
  const nats = await startNatsServer();
  const lab = await startPeeringLab(US, PEER);
  const nc = await connect({ ...HOT_PATH, servers: nats.url, maxReconnectAttempts: -1 });
  const dir = mkdtempSync(join(tmpdir(), 'dpp-bench-procs-'));
  const children: ChildProcess[] = [];
  let fib: GatewayFib | undefined;
  const stop = async () => {
    await fib?.close();
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)))));
    await nc.close();
    await nats.stop();
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await writeSpeakerFiles(dir, 'us', US, await generateAdKey(), lab.tls);
    const port = await freePort();
    const config = writeSpeakerConfig(dir, { ad: US, peer: PEER, natsUrl: nats.url, port, resolver: lab.dns.resolver });
    for (const service of ['session', 'policy', 'rib', 'fib-export']) {
      const out = openSync(join(dir, `${service}.log`), 'a');
      children.push(spawn(process.execPath, ['bin/dpp.js', service, '--config', config], { cwd: root, stdio: ['ignore', out, out] }));
      closeSync(out);
    }
    const arrived = new Arrivals<string>();
    // The FIB export makes the gateway's table when it starts.
    fib = await until('the gateway table', () => GatewayFib.open(nc, { gateway: 'gw', onChange: timeArrivals(arrived) }).catch(() => undefined), { ms: 30_000 });
    const establish = () => until('the session service', () => lab.establishedPeer(port).catch(() => undefined), { ms: 30_000 });
    const services = children.map((c) => c.pid!);
    return { nc, ads: { us: US, peer: PEER }, establish, fib, arrived, services, pids: () => [process.pid, nats.pid, ...services], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A RouteUpdate of `count` routes `ipn:<allocator>.<first>…`, learned from the peer. */
const updateOf = (allocator: number, first: number, count: number): RouteUpdate => ({
  announcements: [{ patterns: Array.from({ length: count }, (_, j) => ({ ipn: { allocator_id: allocator, node_id: first + j } })), ad_path: [PEER] }],
});

/** `n` routes sent in RouteUpdates of 100, until the gateway holds them all: routes/s. */
export async function ingest(stack: Stack, peer: HandPeer, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i += PER_UPDATE) if (!peer.send({ update: updateOf(1, i, Math.min(PER_UPDATE, n - i)) })) await peer.drained();
  while (stack.fib.size < n) await sleep(20);
  return n / ((performance.now() - start) / 1000);
}

/** One convergence probe: a single advertisement of `ipn:2.<node>.*`, from the gRPC write until the gateway has it (ms). */
async function probe({ arrived }: Stack, peer: HandPeer, node: number): Promise<number> {
  const start = performance.now();
  peer.send({ update: updateOf(2, node, 1) });
  return (await arrived.when(`ipn:2.${node}.*`)) - start;
}

/** The background load beside convergence probes: routes/s, re-announcing BACKGROUND_PATTERNS patterns (allocator 3) in turn. */
const BACKGROUND_RATE = 10_000;
const BACKGROUND_PATTERNS = 10_000;

/**
 * Sends updates of PER_UPDATE background routes at BACKGROUND_RATE, paced by the clock (a late
 * tick sends what it owes), until stopped; `stop` answers the rate it kept and the patterns it named.
 */
function backgroundLoad(peer: HandPeer): { stop(): Promise<{ readonly routesPerSecond: number; readonly patterns: number }> } {
  const start = performance.now();
  let sent = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const due = Math.floor(((performance.now() - start) / 1000) * BACKGROUND_RATE);
      while (running && due - sent >= PER_UPDATE) {
        if (!peer.send({ update: updateOf(3, sent % BACKGROUND_PATTERNS, PER_UPDATE) })) await peer.drained();
        sent += PER_UPDATE;
      }
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { routesPerSecond: sent / ((performance.now() - start) / 1000), patterns: Math.min(sent, BACKGROUND_PATTERNS) };
    },
  };
}

async function measure(shape: string, stack: Stack, n: number, rounds: number, perRound: number): Promise<Figure[]> {
  const { nc, fib } = stack;
  const js = jetstream(nc);
  await (await jetstreamManager(nc)).streams.add({ name: 'RAW', subjects: ['raw.>'], storage: StorageType.File });
  const rawArrived = new Arrivals<string>();
  const raw = await (await js.consumers.get('RAW', { deliver_policy: DeliverPolicy.New })).consume();
  void (async () => {
    for await (const m of raw) rawArrived.record(m.string());
  })();
  try {
    // The bare baseline's events: as many, of the size the session service logs, published pipelined.
    const eventBytes = Buffer.byteLength(JSON.stringify({ v: 1, kind: 'route-update', sessionId: 'x'.repeat(36), n: 1, speakerId: 'dtn://us', peerAd: PEER, peerSpeakerId: 'dtn://dsn', receivedAt: Date.now(), sequenceNumber: '1', message: peerMessageCodec().encode({ sequence_number: '1', update: updateOf(1, 0, PER_UPDATE) }).toString('base64') }));
    const payload = 'x'.repeat(eventBytes);

    const ingested: number[] = [];
    /** The first round's RSS and heap growth per route of the gateway client. */
    const gatewayMemory: number[] = [];
    const rawIngest: number[] = [];
    const measured: number[] = [];
    const baseline: number[] = [];
    const loss: number[] = [];
    const ingestOfAsMany: number[] = [];
    const all: number[] = [];
    const loaded: number[] = [];
    const allLoaded: number[] = [];
    /** Background routes/s sent per round, as measured, and the patterns they named. */
    const backgroundSent: number[] = [];
    const backgroundPatterns: number[] = [];
    /** How long the stack worked on after each ingest's last route reached the gateway. */
    const restAfterIngest: number[] = [];
    // Each round a session of its own: its routes in, single advertisements on the loaded RIB, then the session lost.
    for (let r = 0; r < rounds; r++) {
      const peer = await stack.establish();
      // Each timed part starts from a stack at rest (at-rest.ts), not in the wake of the part before.
      await atRest(stack.pids());
      // The gateway (GatewayFib, in this process) holding the routes: this process's growth over the first ingest, after a GC
      // (later rounds reuse what the first took: a process's RSS does not shrink back).
      const before = memoryAfterGc();
      ingested.push(await ingest(stack, peer, n));
      const after = memoryAfterGc();
      if (r === 0) gatewayMemory.push((after.rss - before.rss) / n, (after.heapUsed - before.heapUsed) / n);
      restAfterIngest.push(await atRest(stack.pids()));
      const rawStart = performance.now();
      for (let i = 0; i < n / PER_UPDATE; i += 256) await Promise.all(Array.from({ length: Math.min(256, n / PER_UPDATE - i) }, () => js.publish('raw.in', payload)));
      rawIngest.push(n / ((performance.now() - rawStart) / 1000));
      // The bare baseline's messages are delivered to this process's consumer after the publishes are acknowledged.
      await atRest(stack.pids());

      const round: number[] = [];
      const rawRound: number[] = [];
      for (let i = 0; i < perRound; i++) {
        round.push(await probe(stack, peer, r * perRound + i));
        const rawStart = performance.now();
        await js.publish('raw.x', `${r}.${i}`);
        rawRound.push((await rawArrived.when(`${r}.${i}`)) - rawStart);
        await sleep(10);
      }
      // The same probes while the peer re-announces a set of background routes at BACKGROUND_RATE.
      const background = backgroundLoad(peer);
      const underLoad: number[] = [];
      for (let i = 0; i < perRound; i++) {
        underLoad.push(await probe(stack, peer, (rounds + r) * perRound + i));
        await sleep(10);
      }
      const sent = await background.stop();
      backgroundSent.push(sent.routesPerSecond);
      backgroundPatterns.push(sent.patterns);
      loaded.push(p(underLoad, 0.99));
      allLoaded.push(...underLoad);
      measured.push(p(round, 0.99));
      baseline.push(p(rawRound, 0.99));
      all.push(...round);

      // The loss starts from a settled table: every background route in, none still on its way.
      await until('the background routes at the gateway', () => (fib.size >= n + 2 * perRound + sent.patterns ? true : undefined), { ms: 60_000 });
      await atRest(stack.pids());
      const lossStart = performance.now();
      peer.close();
      while (fib.size > 0) await sleep(20);
      loss.push(performance.now() - lossStart);
      ingestOfAsMany.push(((n + 2 * perRound + sent.patterns) / ingested.at(-1)!) * 1000);
    }

    return [
      figure({
        name: `Ingest, ${n} routes over gRPC to the gateway FIB (${shape})`,
        unit: 'routes/s',
        measured: { name: 'peer → gateway FIB', runs: ingested },
        baseline: { name: 'bare JetStream publish, same events and bytes', runs: rawIngest },
        // Issue 16's target. The bare publish stays beside it as the machine's speed of the moment; a ratio
        // of 0.5 to it (this figure's first target) is about BIRD's own rate in the anchor figure.
        targets: { min: 150_000 },
        notes: { routes: n, routesPerUpdate: PER_UPDATE, eventBytes, runs: rounds, 'gateway client (GatewayFib), first ingest: RSS growth, B/route': gatewayMemory[0] ?? NaN, 'gateway client, first ingest: heap growth, B/route': gatewayMemory[1] ?? NaN },
      }),
      figure({
        name: `Convergence, one advertisement on ${n} routes (${shape})`,
        unit: 'ms p99',
        measured: { name: 'gRPC write → gateway delta', runs: measured },
        baseline: { name: 'JetStream publish → ordered consumer', runs: baseline },
        targets: { max: 10 },
        notes: { preload: n, 'the stack at rest after the ingest, ms, median': median(restAfterIngest), samples: all.length, 'p50 ms': p(all, 0.5), 'p99 ms': p(all, 0.99), 'max ms': p(all, 1), 'baseline p99 of rounds, median': median(baseline) },
      }),
      figure({
        name: `Convergence under ${BACKGROUND_RATE / 1000}k routes/s of background updates, on ${n} routes (${shape})`,
        unit: 'ms p99',
        measured: { name: 'gRPC write → gateway delta', runs: loaded },
        baseline: { name: 'the same probes on the idle RIB', runs: measured },
        targets: {},
        notes: { preload: n, samples: allLoaded.length, 'p50 ms': p(allLoaded, 0.5), 'p99 ms': p(allLoaded, 0.99), 'max ms': p(allLoaded, 1), 'background routes/s sent, median': median(backgroundSent), 'background patterns, median': median(backgroundPatterns) },
      }),
      figure({
        name: `Session loss, ${n + 2 * perRound + median(backgroundPatterns)} routes leave the gateway FIB (${shape})`,
        unit: 'ms',
        measured: { name: 'session end → gateway FIB empty', runs: loss },
        baseline: { name: 'ingest of as many routes', runs: ingestOfAsMany },
        targets: { max: 5_000 },
        notes: { routes: n + 2 * perRound + median(backgroundPatterns) },
      }),
    ];
  } finally {
    await raw.close();
  }
}
