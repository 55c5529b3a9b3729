import { jetstreamManager } from '@nats-io/jetstream';
import { Schema } from 'effect';
import { streamsOf } from '#libs/config';
import { localUpdate, publishLocal } from '#libs/local-routes';
import { ACCEPT_ALL, AdjRibIn, applyImportPolicy, compilePolicy, PolicyFile, type ImportPolicy } from '#libs/policy';
import { attributesOf, type RibEvent } from '#libs/rib';
import { adToken, readTable, tableBucket } from '#libs/tables';
import { until } from '#libs/lab';
import { figure, rate, type Figure } from '../lib/figure.ts';
import { startProcessesStack } from './pipeline.ts';

const PEERS = ['a.example.org', 'b.example.org', 'c.example.org', 'd.example.org'];
type Update = Extract<RibEvent, { type: 'update' }>;

/**
 * An operator's policy: an origin authorization table of `origins` entries (one allocator each),
 * a chain for every peer that drops long paths and caps bundle sizes, and one that prefers a
 * pattern set.
 */
function realisticPolicy(origins: number): ImportPolicy {
  const file = Schema.decodeUnknownSync(PolicyFile)({
    pattern_sets: { preferred: Array.from({ length: 50 }, (_, i) => `ipn:${i * 7}.*`) },
    origin_authorization: { table: Array.from({ length: origins }, (_, i) => ({ origin: PEERS[i % PEERS.length], patterns: [`ipn:${i}.*`] })) },
    import: {
      chains: [
        { peers: ['*'], rules: [{ name: 'long', match: { ad_path_length: { min: 9 } }, then: 'reject' }, { name: 'cap', set: { max_bundle_size: 1_000_000 } }] },
        { peers: [PEERS[0]], rules: [{ name: 'preferred', match: { patterns_in: 'preferred' }, set: { metric: 1 }, then: 'accept' }] },
      ],
    },
  });
  const { policy, problems } = compilePolicy(file, 'bench');
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return policy.import;
}

/** `routes` routes in updates of 100, from the peers in turn, each its origin's allocator (so authorized). */
function updates(routes: number): Update[] {
  const out: Update[] = [];
  for (let seq = 1; seq * 100 <= routes; seq++) {
    const peerAd = PEERS[seq % PEERS.length]!;
    const allocator = (seq * 3) % 1_000;
    const origin = PEERS[allocator % PEERS.length]!;
    const patterns = Array.from({ length: 100 }, (_, i) => `ipn:${allocator}.${seq * 100 + i}`);
    out.push({ type: 'update', seq, neighbor: `${peerAd} s`, peerAd, withdrawn: [], rejected: [], accepted: [{ patterns, ...attributesOf({ adPath: peerAd === origin ? [peerAd] : [peerAd, origin], metric: 10, transitive: [] }) }] });
  }
  return out;
}

/** Import policy: routes judged per second under a realistic policy, beside the pass-through verdict. */
export function policyImport(routes: number, runs: number): Figure {
  const events = updates(routes);
  const policy = realisticPolicy(1_000);
  const [measured, baseline] = [[] as number[], [] as number[]];
  for (let r = 0; r < runs; r++) {
    measured.push(rate(routes, () => events.forEach((e) => applyImportPolicy(policy, e))));
    baseline.push(rate(routes, () => events.forEach((e) => applyImportPolicy(ACCEPT_ALL.import, e))));
  }
  return figure({
    name: `Import policy, ${routes} routes`,
    unit: 'routes/s',
    measured: { name: '1,000-entry origin table + 2 chains (4 rules)', runs: measured },
    baseline: { name: 'empty policy (accept all)', runs: baseline },
    targets: {},
    notes: { routes, originEntries: 1_000 },
  });
}

/** Soft reconfiguration: the time to re-judge a whole Adj-RIB-In under a new policy, beside judging it once. */
export function softReconfiguration(routes: number, runs: number): Figure {
  const events = updates(routes);
  const adjRibIn = new AdjRibIn();
  for (const e of events) adjRibIn.apply(e);
  const [before, after] = [ACCEPT_ALL.import, realisticPolicy(1_000)];
  const [measured, baseline] = [[] as number[], [] as number[]];
  let changed = 0;
  for (let r = 0; r < runs; r++) {
    measured.push(rate(routes, () => (changed = adjRibIn.reconfigure(before, after, 1).length)));
    baseline.push(rate(routes, () => events.forEach((e) => applyImportPolicy(after, e))));
  }
  return figure({
    name: `Soft reconfiguration, ${routes} routes held`,
    unit: 'routes/s',
    measured: { name: 'reconfigure: both policies on every route, the differences', runs: measured },
    baseline: { name: 'the new policy alone on every update', runs: baseline },
    targets: {},
    notes: { routes, neighborsChanged: changed },
  });
}

/**
 * Full-table send, in the shape `dpp up` runs (`startProcessesStack`): `routes` routes of our own,
 * originated as `dpp originate` writes them, exported by the policy service into the peer's
 * Adj-RIB-Out table; then, each run, a session with the peer from its Hello until it holds all of
 * them, sent by the `dpp session` process in RouteUpdates of its 10,000-pattern limit. Beside it,
 * the bare read of the same table.
 */
export async function adjRibOutSend(routes: number, runs: number): Promise<Figure> {
  const stack = await startProcessesStack();
  try {
    const { nc, ads } = stack;
    // The stack's config names no stream or bucket: the defaults, from where every service takes them.
    const { ribInput, adjRibOutPrefix } = streamsOf({});
    const events: RibEvent[] = [];
    for (let at = 0; at < routes; at += 1_000) {
      events.push(localUpdate(ads.us, { accepted: { patterns: Array.from({ length: Math.min(1_000, routes - at) }, (_, j) => `ipn:${10 + ((at + j) >> 16)}.${(at + j) & 0xffff}.*`) } }));
    }
    // The policy and RIB services make the RIB input stream as they start; the stack waits only for the FIB export.
    await until('the RIB input stream', async () => ((await (await jetstreamManager(nc)).streams.info(ribInput)) ? true : undefined), { ms: 60_000 });
    await publishLocal(nc, ribInput, 'bench', events);
    // The gateway's FIB follows live and the peer's table comes from the same changes: read the table only once the FIB is whole.
    await until('the gateway FIB holds our routes', () => (stack.fib.size >= routes ? true : undefined), { ms: 600_000 });
    const bucket = tableBucket(adjRibOutPrefix, adToken(ads.peer));
    await until('the peer\'s Adj-RIB-Out holds our routes', async () => ((await readTable(nc, bucket)).size >= routes ? true : undefined), { ms: 600_000 });
    const [measured, baseline] = [[] as number[], [] as number[]];
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      const peer = await stack.establish();
      const held = () => peer.received().reduce((n, m) => n + (m.update?.announcements.reduce((k, a) => k + a.patterns.length, 0) ?? 0), 0);
      // Polled every 5 ms (until's 25 ms would blur a quick run's 10k routes); bounded, saying how far it got.
      for (const deadline = Date.now() + 600_000; held() < routes; await new Promise((resolve) => setTimeout(resolve, 5))) {
        if (Date.now() > deadline) throw new Error(`the peer holds ${held()} of ${routes} routes after 600 s`);
      }
      measured.push(routes / ((performance.now() - start) / 1000));
      // The session over before the next run's begins: no overlap of the two with one peer.
      peer.close();
      await peer.ended;
      const read = performance.now();
      await readTable(nc, bucket);
      baseline.push(routes / ((performance.now() - read) / 1000));
    }
    return figure({
      name: `Adj-RIB-Out full table, ${routes} routes (dpp processes)`,
      unit: 'routes/s',
      measured: { name: 'Hello, table read, RouteUpdates over gRPC/TLS, peer holds all', runs: measured },
      baseline: { name: 'bare read of the table', runs: baseline },
      targets: { min: 150_000 },
      notes: { routes, patternsPerUpdate: 10_000 },
    });
  } finally {
    await stack.stop();
  }
}
