import { HOT_PATH } from '#libs/streams';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import { Result } from 'effect';
import { decodeRibInput, encodeRibInput } from '#libs/events';
import { LocRib, routeOf, type RibEvent } from '#libs/rib';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { figure, median, type Figure } from '../lib/figure.ts';
import { startNatsServer } from '#libs/lab';

const US = 'us.example.org';
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/**
 * N routes in updates of one advertisement of `perUpdate` patterns: a full-table load. With
 * `neighbors` 4, each pattern comes from all four (N/4 patterns), as in a RIB of several peers;
 * with 1, every route is its own pattern.
 */
function* updates(n: number, perUpdate: number, neighbors = 4): Generator<RibEvent> {
  for (let i = 0, seq = 1; i < n; i += perUpdate, seq++) {
    const update = i / perUpdate;
    const neighbor = `n${update % neighbors}.example.org dtn://speaker`;
    const peerAd = neighbor.split(' ')[0]!;
    const first = Math.floor(update / neighbors) * perUpdate;
    const patterns: string[] = [];
    // Draft -01 text, as the import stage writes it: a -00 text (`ipn:A.N`) takes the reader's conversion on every read.
    for (let p = first; p < first + Math.min(perUpdate, n - i); p++) patterns.push(`ipn:${p % 1000}.${p}.*`);
    const accepted = [{ patterns, adPath: [peerAd, 'x.example.org'], metric: update % 3, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] }];
    yield { type: 'update', seq, neighbor, peerAd, withdrawn: [], accepted, rejected: [] };
  }
}

/** Updates of 100 routes read back from their log form, as the service gets them: flat strings, one array per event. */
export function* logged(n: number, neighbors: number): Generator<RibEvent> {
  for (const e of updates(n, 100, neighbors)) yield Result.getOrThrow(decodeRibInput(encodeRibInput(e), e.seq));
}

/**
 * Heap bytes per route the Loc-RIB projection keeps, beside the same routes as flat objects in a
 * bare array. Events are made and dropped as the RIB reads them, so what counts is what stays
 * (pattern texts included).
 */
export function ribMemory(n: number): Figure {
  const measure = (build: () => unknown): number => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const held = build();
    gc();
    const after = process.memoryUsage().heapUsed;
    if (held === undefined) throw new Error('nothing built');
    return (after - before) / n;
  };
  const projection = (neighbors: number) => () => {
    const rib = new LocRib(US, { checkpointed: true });
    // The service hands each batch's store operations to the checkpoint: they do not stay.
    for (const e of logged(n, neighbors)) {
      rib.apply(e);
      rib.takeStoreOps();
    }
    return rib;
  };
  const flat = () =>
    [...logged(n, 4)].flatMap((e) =>
      e.type === 'update' ? e.accepted.flatMap(({ patterns, ...a }, index) => patterns.map((pattern) => routeOf(pattern, { ...a, neighbor: e.neighbor, peerAd: e.peerAd, receivedSeq: e.seq, index }))) : [],
    );
  const rib: number[] = [];
  const bare: number[] = [];
  const single: number[] = [];
  const rss: number[] = [];
  const rssSingle: number[] = [];
  for (let r = 0; r < 3; r++) {
    rib.push(measure(projection(4)));
    rss.push(rssPerRoute(n, 4));
    rssSingle.push(rssPerRoute(n, 1));
    bare.push(measure(flat));
    single.push(measure(projection(1)));
  }
  return figure({
    name: `RIB memory, ${n} routes`,
    unit: 'B/route',
    measured: { name: 'LocRib heap, 4 neighbors', runs: rib },
    baseline: { name: 'flat route objects in an array', runs: bare },
    targets: { max: 250 },
    notes: {
      routes: n,
      patterns: n / 4,
      'one neighbor, every route its own pattern: B/route': median(single),
      'RSS of a process holding only the RIB: B/route (median of 3)': median(rss),
      'the same, one neighbor, every route its own pattern: B/route': median(rssSingle),
    },
  });
}

/**
 * Replay of the RIB input log (decode + apply), events/s, beside a bare ordered read of the same
 * stream; with the same for a log of one-route events, and the decode and apply shares alone.
 */
export async function ribReplay(n: number): Promise<Figure> {
  const nats = await startNatsServer();
  const nc = await connect({ ...HOT_PATH, servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    /** Per run: the raw read and the replay of one stream holding `events`. */
    const rates = async (name: string, events: readonly RibEvent[]) => {
      await jsm.streams.add({ name, subjects: [`${name}.>`], storage: StorageType.File });
      for (let i = 0; i < events.length; i += 256) await Promise.all(events.slice(i, i + 256).map((e) => js.publish(`${name}.in`, encodeRibInput(e))));
      const read = async (apply: ((text: string, seq: number) => void) | undefined): Promise<number> => {
        const consumer = await js.consumers.get(name, { deliver_policy: DeliverPolicy.All });
        const start = performance.now();
        let count = 0;
        for await (const m of await consumer.consume()) {
          apply?.(m.string(), m.seq);
          if (++count === events.length) break;
        }
        return events.length / ((performance.now() - start) / 1000);
      };
      const replays: number[] = [];
      const raws: number[] = [];
      for (let r = 0; r < 3; r++) {
        raws.push(await read(undefined));
        const rib = new LocRib(US);
        replays.push(await read((text, seq) => rib.apply(Result.getOrThrow(decodeRibInput(text, seq)))));
      }
      return { replays, raws };
    };
    const events = [...updates(n, 100)];
    const big = await rates('BENCH100', events);
    const small = await rates('BENCH1', [...updates(Math.min(n / 10, 100_000), 1)]);
    // Where a replay's time goes: the same events decoded alone, then applied alone.
    const texts = events.map(encodeRibInput);
    const time = (run: () => void) => {
      const start = performance.now();
      run();
      return events.length / ((performance.now() - start) / 1000);
    };
    const decoded = events.map((e) => e);
    const decodeRate = median([0, 1, 2].map(() => time(() => texts.forEach((text, i) => (decoded[i] = Result.getOrThrow(decodeRibInput(text, i + 1)))))));
    const applyRate = median([0, 1, 2].map(() => time(() => {
      const rib = new LocRib(US);
      for (const e of decoded) rib.apply(e);
    })));
    return figure({
      name: `RIB replay, ${events.length} events of 100 routes`,
      unit: 'events/s',
      measured: { name: 'decode + LocRib.apply', runs: big.replays },
      baseline: { name: 'ordered consumer read', runs: big.raws },
      targets: { minRatio: 0.7 },
      notes: {
        routes: n,
        routesPerEvent: 100,
        'decode alone: events/s': decodeRate,
        'apply alone: events/s': applyRate,
        'events of 1 route: replay events/s': median(small.replays),
        'events of 1 route: ordered read events/s': median(small.raws),
        'events of 1 route: ratio': median(small.replays) / median(small.raws),
      },
    });
  } finally {
    await nc.close();
    await nats.stop();
  }
}

/** Restart from the SQLite checkpoint to a serving Loc-RIB, ms, beside a bare read of the same rows. */
export function ribRestart(n: number): Figure {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-bench-rib-'));
  try {
    const path = join(dir, 'rib.sqlite');
    const store = CheckpointStore.open(path);
    const rib = new LocRib(US, { checkpointed: true });
    for (const e of updates(n, 100)) rib.apply(e);
    store.save(rib.takeStoreOps(), { localAd: US, now: rib.now, lastSeq: rib.lastSeq, loopsDropped: rib.loopsDropped });
    store.close();
    const restarts: number[] = [];
    const raws: number[] = [];
    for (let r = 0; r < 3; r++) {
      let start = performance.now();
      const reopened = CheckpointStore.open(path);
      const restored = LocRib.restore(reopened.load()!);
      restarts.push(performance.now() - start);
      reopened.close();
      if (restored.size !== rib.size) throw new Error('restore lost routes');
      start = performance.now();
      const db = new Database(path, { readonly: true });
      let rows = 0;
      for (const [patterns] of db.prepare('SELECT patterns FROM advertisements').raw().iterate() as Iterable<[string]>) rows += (JSON.parse(patterns) as string[]).length;
      db.close();
      raws.push(performance.now() - start);
      if (rows !== n) throw new Error('bare read lost rows');
    }
    return figure({
      name: `RIB restart from checkpoint, ${n} routes`,
      unit: 'ms',
      measured: { name: 'load + restore', runs: restarts },
      baseline: { name: 'bare SQLite read of the routes (pattern lists parsed)', runs: raws },
      targets: { max: 2_000 },
      notes: { routes: n },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The RSS a process grows by to hold the RIB of `n` routes from `neighbors`, after GC: measured in a
 * process of its own (bench/rib-rss.ts), since this one's RSS keeps what earlier figures used.
 */
function rssPerRoute(n: number, neighbors: number): number {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('../rib-rss.ts', import.meta.url)), String(n), String(neighbors)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`bench/rib-rss.ts: ${child.stderr}`);
  return (JSON.parse(child.stdout) as { rssBytes: number }).rssBytes / n;
}
