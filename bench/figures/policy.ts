import { HOT_PATH } from '#libs/streams';
import { connect } from '@nats-io/transport-node';
import { Schema } from 'effect';
import { encodeExportedRoute } from '#libs/events';
import { ACCEPT_ALL, AdjRibIn, applyImportPolicy, compilePolicy, PolicyFile, type ImportPolicy } from '#libs/policy';
import { attributesOf, type RibEvent } from '#libs/rib';
import { adToken, keyOf, readTable, tableBucket, TableWriter } from '#libs/tables';
import { followAdjRibOut } from '../../services/session/src/adj-rib-out-feed.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { startPeeringLab } from '../../test/harness/peering-lab.ts';
import { figure, rate, type Figure } from '../lib/figure.ts';
import { startNatsServer } from '#libs/lab';

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
 * Full-table send: an established session reads its peer's Adj-RIB-Out (a table of `routes`
 * exported routes, compacted into a snapshot as the policy service leaves it) and sends it over gRPC/TLS until the peer holds all of it; beside it, the bare
 * read of the same table.
 */
export async function adjRibOutSend(routes: number, runs: number): Promise<Figure> {
  const nats = await startNatsServer();
  const lab = await startPeeringLab('us.example.test', 'dsn.example.test');
  const nc = await connect({ ...HOT_PATH, servers: nats.url });
  try {
    const bucket = tableBucket('out', adToken('dsn.example.test'));
    const table = await TableWriter.open(nc, bucket, { log: () => undefined });
    const attributes = attributesOf({ adPath: ['us.example.test', 'far.example.org'], metric: 4, transitive: [] });
    const deltas = Array.from({ length: routes }, (_, n) => {
      const pattern = `ipn:${n >> 16}.${n & 0xffff}`;
      return { key: keyOf(pattern, undefined), value: encodeExportedRoute(pattern, attributes) };
    });
    for (let at = 0; at < routes; at += 1_000) await table.append([{ id: `routes-${at}`, deltas: deltas.slice(at, at + 1_000) }]);
    await table.compact();
    const responder = await lab.responder(await PeerEventLog.open(nc, { stream: 'PEERS', subjectPrefix: 'peers' }), {
      adjRibOut: (peerAd, send) => followAdjRibOut(nc, tableBucket('out', adToken(peerAd)), send, { maxPatterns: 10_000, maxBytes: 4 * 1024 * 1024, log: () => undefined }),
    });
    const [measured, baseline] = [[] as number[], [] as number[]];
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      const peer = await lab.establishedPeer(responder.port);
      let held = 0;
      while (held < routes) {
        held = peer.received().reduce((n, m) => n + (m.update?.announcements.reduce((k, a) => k + a.patterns.length, 0) ?? 0), 0);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      measured.push(routes / ((performance.now() - start) / 1000));
      peer.close();
      const read = performance.now();
      await readTable(nc, bucket);
      baseline.push(routes / ((performance.now() - read) / 1000));
    }
    await responder.stop();
    return figure({
      name: `Adj-RIB-Out full table, ${routes} routes`,
      unit: 'routes/s',
      measured: { name: 'handshake, table read, RouteUpdates over gRPC/TLS, peer holds all', runs: measured },
      baseline: { name: 'bare read of the table', runs: baseline },
      targets: { min: 150_000 },
      notes: { routes, patternsPerUpdate: 10_000 },
    });
  } finally {
    await nc.close();
    await nats.stop();
    await lab.stop();
  }
}
