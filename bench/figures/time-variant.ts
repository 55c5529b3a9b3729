import { LocRib, type RibEvent } from '#libs/rib';
import { figure, type Figure } from '../lib/figure.ts';
import { logged } from './rib.ts';

const US = 'us.example.org';
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
/** A low orbit: a 10-minute pass every 90 minutes, the first an hour from now. */
const ORBIT_MS = 90 * 60_000;
const PASS_MS = 10 * 60_000;

/**
 * A deep-space contact plan as a RIB receives it: `patterns` patterns, each with `windows` future
 * passes from one neighbor, one advertisement a pass for 1,000 patterns at a time (as a contact
 * plan import or a peer's full table sends them).
 */
function* plan(patterns: number, windows: number, start: number): Generator<RibEvent> {
  let seq = 0;
  yield { type: 'clock', seq: ++seq, now: Date.now() };
  for (let w = 0; w < windows; w++) {
    for (let first = 0; first < patterns; first += 1_000) {
      const names = Array.from({ length: Math.min(1_000, patterns - first) }, (_, j) => `ipn:${first + j}.*`);
      const validFrom = start + w * ORBIT_MS;
      const accepted = [{ patterns: names, adPath: ['relay.example.org'], metric: 0, gatewayEid: undefined, validFrom, validUntil: validFrom + PASS_MS, bandwidthBps: '1000000', maxBundleSize: undefined, transitive: [] }];
      yield { type: 'update', seq: ++seq, neighbor: 'relay.example.org dtn://speaker', peerAd: 'relay.example.org', withdrawn: [], accepted, rejected: [] };
    }
  }
}

/** Applied as the service applies a batch: the store operations go to the checkpoint, the changes to the stream. */
function load(events: Iterable<RibEvent>): { rib: LocRib; changes: number; ms: number } {
  const rib = new LocRib(US, { checkpointed: true });
  let changes = 0;
  const start = performance.now();
  for (const e of events) {
    changes += rib.apply(e).length;
    rib.takeStoreOps();
  }
  return { rib, changes, ms: performance.now() - start };
}

/**
 * Time-variant routing at deep-space scale (issue 15): `patterns` × `windows` future passes loaded
 * into the RIB projection (each known, ranked and in the change stream at once), beside the same
 * number of routes without windows, one per pattern (today's full-table load, bench rib-replay's
 * shape); the heap each scheduled route costs, beside an unscheduled one; and one clock edge at
 * which every pattern's pass ends at once (the worst edge: each pattern's interval goes and its
 * timeline is made again), beside one update that changes as many patterns' best route.
 */
export function timeVariant(patterns: number, windows: number, runs: number): Figure[] {
  const start = Date.now() + 3_600_000;
  const runsOf = Array.from({ length: runs }, () => once(patterns, windows, start));
  const of = (k: keyof ReturnType<typeof once>) => runsOf.map((r) => r[k]);
  const shape = { patterns, 'windows per pattern': windows, 'scheduled routes': patterns * windows, runs };
  const perPattern = Number(((runsOf.reduce((sum, r) => sum + r.edgeMs, 0) / runs / patterns) * 1_000).toFixed(1));
  const specs = [
    [`load ${patterns} patterns × ${windows} future windows`, 'routes/s', ['scheduled routes, timelines made', 'loadRate'], ['as many unscheduled routes', 'flatRate'], shape],
    ['heap per scheduled route', 'B/route', ['scheduled route (with its interval)', 'perRoute'], ['unscheduled route', 'flatPerRoute'], shape],
    [`one clock edge ending ${patterns} patterns' passes`, 'ms', ['clock edge', 'edgeMs'], [`one update changing ${patterns} best routes`, 'updateMs'], { ...shape, 'changes at the edge (one per pattern, checked)': patterns, 'per pattern µs': perPattern }],
  ] as const;
  return specs.map(([name, unit, [measured, m], [baseline, b], notes]) =>
    figure({ name: `Time-variant RIB: ${name}`, unit, measured: { name: measured, runs: of(m) }, baseline: { name: baseline, runs: of(b) }, targets: {}, notes }),
  );
}

/** One run, in a function of its own: what it builds is garbage when it returns, so the next run's heap figure starts clean. */
function once(patterns: number, windows: number, start: number) {
  const routes = patterns * windows;
  gc();
  const before = process.memoryUsage().heapUsed;
  const scheduled = load(plan(patterns, windows, start));
  if (scheduled.changes !== routes) throw new Error(`${scheduled.changes} interval changes for ${routes} scheduled routes`);
  gc();
  const perRoute = (process.memoryUsage().heapUsed - before) / routes;
  // The first pass of every pattern opens (no change), then ends: one interval gone per pattern.
  scheduled.rib.apply({ type: 'clock', seq: 1e9, now: start });
  const edge = performance.now();
  const edgeChanges = scheduled.rib.apply({ type: 'clock', seq: 1e9 + 1, now: start + PASS_MS }).length;
  const edgeMs = performance.now() - edge;
  if (edgeChanges !== patterns) throw new Error(`${edgeChanges} changes at an edge that ends ${patterns} intervals`);
  return { loadRate: routes / (scheduled.ms / 1_000), perRoute, edgeMs, ...unscheduled(routes, patterns) };
}

/** The same number of routes without windows, one per pattern, and one update that changes `patterns` best routes. */
function unscheduled(routes: number, patterns: number) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const flat = load(logged(routes, 1));
  gc();
  const flatPerRoute = (process.memoryUsage().heapUsed - before) / routes;
  const names = [...flat.rib.entries()].slice(0, patterns).map(([pattern]) => pattern);
  const update = performance.now();
  flat.rib.apply({ type: 'update', seq: 1e9, neighbor: 'n0.example.org dtn://speaker', peerAd: 'n0.example.org', withdrawn: [{ patterns: names, validFrom: undefined }], accepted: [], rejected: [] });
  return { flatRate: routes / (flat.ms / 1_000), flatPerRoute, updateMs: performance.now() - update };
}
