import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { encodeRibInput } from '#libs/events';
import { GatewayFib } from '#libs/gateway-client';
import { ensureStream, HOT_PATH } from '#libs/streams';
import { startFibExport } from '../../services/fib-export/src/fib-exporter.ts';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { figure, type Figure } from '../lib/figure.ts';
import { startNatsServer } from '#libs/lab';

const US = 'us.example.test';
/** Edges this far apart: the changes come at the rate of an orbit-dense contact plan, not all at once. */
const SPACING_MS = 100;
const p = (samples: readonly number[], q: number): number => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;

/**
 * Scheduled windows: `n` routes whose windows open at `edges` instants 100 ms apart and close 1 s
 * later. A gateway holds each entry, with its window, from the moment the RIB knows the route
 * (counted: entries the gateway held before their window opened), so opening costs nothing and
 * the lookup switches at the edge itself; what is timed is the close: how late each entry left the
 * gateway's FIB after its window ended, p99. The RIB records the edge as a clock event when its
 * timer fires, then the change goes through the change stream, the FIB export and the gateway's
 * bucket. Beside it: how late Node's own timers fire for the same instants (what any edge-driven
 * process starts from).
 */
export async function scheduledWindows(n: number, edges: number, runs: number): Promise<Figure> {
  const nats = await startNatsServer();
  const nc = await connect({ ...HOT_PATH, servers: nats.url });
  const dir = mkdtempSync(join(tmpdir(), 'dpp-bench-win-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const log = () => undefined;
    for (const name of ['RIBIN', 'LOCRIB']) await ensureStream(nc, { name, subjects: [`${name.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
    const store = CheckpointStore.open(join(dir, 'rib.sqlite'));
    const rib = await startRib(nc, store, { localAd: US, inputStream: 'RIBIN', clockSubject: 'ribin.clock', changeSubject: 'locrib.change', changeStream: 'LOCRIB', batch: 256, catchUpMs: 60_000, now: Date.now, log });
    stops.push(async () => (await rib.stop(), store.close()));
    stops.push((await startFibExport(nc, { changeStream: 'LOCRIB', gateways: [{ name: 'gw', fromPeers: undefined, schemes: undefined }], bucketPrefix: 'fib', batch: 256, log })).stop);
    const opened = new Map<string, number>();
    const closed = new Map<string, number>();
    const fib = await GatewayFib.open(nc, { gateway: 'gw', bucketPrefix: 'fib', onChange: ({ pattern, entry }) => (entry ? opened : closed).set(pattern, Date.now()) });
    stops.push(() => fib.close());

    const js = jetstream(nc);
    let seq = 0;
    const measured: number[] = [];
    const baseline: number[] = [];
    const all: number[] = [];
    let early = 0;
    // Each run its own routes (allocator 7, 8, ...) and windows.
    for (let run = 0; run < runs; run++) {
      const allocator = 7 + run;
      // The routes, announced well before their windows: 100 patterns an advertisement.
      const first = Date.now() + 5_000 + n / 50;
      const perEdge = Math.ceil(n / edges);
      const window = (route: number) => ({ from: first + Math.floor(route / perEdge) * SPACING_MS, until: first + Math.floor(route / perEdge) * SPACING_MS + 1_000 });
      for (let i = 0; i < n; i += 100) {
        const patterns = Array.from({ length: Math.min(100, n - i) }, (_, j) => `ipn:${allocator}.${i + j}.*`);
        // One advertisement a window: the 100 routes here may straddle two edges.
        const groups = new Map<number, string[]>();
        patterns.forEach((pattern, j) => groups.set(window(i + j).from, [...(groups.get(window(i + j).from) ?? []), pattern]));
        const accepted = [...groups].map(([from, ps]) => ({ patterns: ps, adPath: ['dsn.example.test'], metric: 0, gatewayEid: undefined, validFrom: from, validUntil: from + 1_000, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] }));
        await js.publish('ribin.verdict', encodeRibInput({ type: 'update', seq: ++seq, neighbor: 'dsn.example.test s', peerAd: 'dsn.example.test', withdrawn: [], accepted, rejected: [] }));
      }
      // Node's timers for the same instants, in the same process.
      const timerLate: number[] = [];
      for (let e = 0; e < edges; e++) {
        const at = first + e * SPACING_MS;
        setTimeout(() => timerLate.push(Date.now() - at), at - Date.now());
      }
      const last = first + (edges - 1) * SPACING_MS + 1_000;
      const ours = (pattern: string) => pattern.startsWith(`ipn:${allocator}.`);
      const closedHere = () => [...closed.keys()].filter(ours).length;
      while (Date.now() < last + 2_000 || closedHere() < n) {
        if (Date.now() > last + 60_000) throw new Error(`windows not all closed in the FIB a minute after the last edge (${closedHere()}/${n})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const late: number[] = [];
      for (let route = 0; route < n; route++) {
        const { from, until } = window(route);
        const pattern = `ipn:${allocator}.${route}.*`;
        if (opened.get(pattern)! < from) early++;
        late.push(closed.get(pattern)! - until);
      }
      if (late.some((ms) => ms < 0)) throw new Error('a route left the FIB before its window ended');
      measured.push(p(late, 0.99));
      baseline.push(p(timerLate, 0.99));
      for (const ms of late) all.push(ms);
    }
    return figure({
      name: `Scheduled windows, ${n} routes over ${edges} edges`,
      unit: 'ms p99 late',
      measured: { name: 'window end → gone from the gateway FIB', runs: measured },
      baseline: { name: 'Node timer for the same instants', runs: baseline },
      targets: {},
      notes: { routes: n, edges, runs, 'p50 ms': p(all, 0.5), 'max ms': p(all, 1), 'entries the gateway held before their window opened': early },
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await nc.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
