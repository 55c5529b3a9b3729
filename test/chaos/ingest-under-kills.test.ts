import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeLocRibChanges, decodeLoggedEvent, decodeRibInput, neighborOf, passThroughImport, type PeerEvent } from '#libs/events';
import { decodeFibEntry, gatewayTable } from '#libs/fib-export';
import { generateAdKey } from '#libs/identity';
import { LocRib, type LocRibChange, type RibAdvertisement } from '#libs/rib';
import { ensureStream, readLog } from '#libs/streams';
import { decodeTableLines, keyOf, latestSnapshot, readLocRib, readTable, routeOfKey, tableStream } from '#libs/tables';
import { peerMessageCodec, type RouteUpdate } from '#libs/wire';
import { freePort, startNatsServer, type NatsServer, until } from '#libs/lab';
import { pick, seeded, shuffle } from '../../bench/lib/random.ts';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { handPeer, startPeeringLab, type HandPeer, type PeeringLab } from '../harness/peering-lab.ts';
import { writeSpeakerConfig, writeSpeakerFiles } from '../harness/speaker-files.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const US = 'us.example.test';
const PEER = 'dsn.example.test';
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** `npm test` runs the short mode; `npm run chaos` the long one (docs/reliability.md). */
const ROUTES = env('DPP_CHAOS_ROUTES', 60_000);
const KILLS = env('DPP_CHAOS_KILLS', 10);
const SEED = env('DPP_CHAOS_SEED', Date.now() % 100_000);
const PER_UPDATE = 100;
const UPDATES = Math.ceil(ROUTES / PER_UPDATE);
/** Mean time between two kills: the driver paces the ingest so that every kill falls inside it. */
const KILL_GAP_MS = env('DPP_CHAOS_GAP_MS', 1_500);
const SERVICES = ['session', 'policy', 'rib', 'fib-export'] as const;
type Service = (typeof SERVICES)[number];
/** How long a neighbor's routes outlive a lost session: long enough for the peer to send its table again. */
const RESTART_MS = Math.max(4_000, ROUTES / 10);
const codec = peerMessageCodec();

/**
 * What the peer announces: update `u` holds routes u·100 … u·100+99, with a metric and AD_PATH
 * of its own; every tenth update also withdraws ten routes of the update five before it. The
 * peer's table after update `u` is what it announced minus what it withdrew, and that is what it
 * sends again, whole, on a new session (as a real speaker does).
 */
const patternOf = (r: number) => ({ ipn: { allocator_id: 1 + Math.floor(r / 65_536), node_id: r % 65_536 } });
const routesOf = (u: number) => Array.from({ length: Math.min(PER_UPDATE, ROUTES - u * PER_UPDATE) }, (_, j) => u * PER_UPDATE + j);
const withdrawnBy = (u: number) => (u % 10 === 9 && u >= 5 ? routesOf(u - 5).slice(0, 10) : []);
/**
 * A third of the updates are contacts: scheduled routes whose window opens a few seconds into the
 * run and lasts a day, so the kills fall inside an open window (none of those is withdrawn).
 */
const T0 = Date.now();
const timestamp = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: 0 });
const windowOf = (u: number) => (u % 3 === 1 && u % 10 !== 4 ? [{ valid_from: timestamp(T0 + 5_000) }, { valid_until: timestamp(T0 + 86_400_000) }] : []);
const announcement = (u: number, routes: readonly number[]) => ({ patterns: routes.map(patternOf), ad_path: [PEER, `o${u % 5}.example.test`], metric: u % 7, attributes: windowOf(u) });
const updateOf = (u: number): RouteUpdate => ({
  announcements: [announcement(u, routesOf(u))],
  ...(withdrawnBy(u).length > 0 ? { withdrawals: [{ patterns: withdrawnBy(u).map(patternOf) }] } : {}),
});

/**
 * design.md property 3 at scale (issue 9): a speaker's four services, each its own process from
 * one config file, ingest routes from a peer over gRPC/TLS while `kill -9` hits a random one of
 * them at random moments (and the nats-server is restarted once, half-way). At the end the
 * Loc-RIB, every change and the gateway's FIB must be what an uninterrupted run gives.
 */
describe(`ingest of ${ROUTES} routes under ${KILLS} kill -9 (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-chaos-'));
  const config = join(dir, 'dpp.yaml');
  let nats: NatsServer | undefined;
  let lab: PeeringLab | undefined;
  let nc: NatsConnection | undefined;
  const running = new Map<Service, ChildProcess>();
  let keepalive: NodeJS.Timeout | undefined;
  let over = false;
  let passed = false;
  afterAll(async () => {
    over = true;
    clearInterval(keepalive);
    for (const child of running.values()) child.kill('SIGKILL');
    await nc?.close();
    await nats?.stop();
    await lab?.stop();
    // A failed run keeps the services' logs and the RIB's checkpoint, to find out why.
    if (passed) rmSync(dir, { recursive: true, force: true });
    else console.log(`chaos: the services' logs and checkpoint are kept in ${dir}`);
  });

  /** Exits we did not cause (a service that could not start, say), each restarted 2 s later as systemd's dpp@.service does. */
  const exits: { service: Service; code: number | null }[] = [];
  const start = (service: Service) => {
    const out = openSync(join(dir, `${service}.log`), 'a');
    const child = spawn(process.execPath, ['bin/dpp.js', service, '--config', config], { cwd: root, stdio: ['ignore', out, out] });
    closeSync(out);
    running.set(service, child);
    child.once('exit', (code) => {
      if (over || running.get(service) !== child) return;
      exits.push({ service, code });
      setTimeout(() => !over && running.get(service) === child && start(service), 2_000);
    });
  };
  const kill9 = async (service: Service) => {
    const child = running.get(service)!;
    running.delete(service);
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  };

  it('ends with the Loc-RIB, the change stream and the gateway FIB of an uninterrupted run, each event applied once', async () => {
    console.log(`chaos: seed ${SEED} (DPP_CHAOS_SEED reruns it), ${ROUTES} routes, ${KILLS} kills`);
    const random = seeded(SEED);
    nats = await startNatsServer();
    lab = await startPeeringLab(US, PEER);
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1 });
    await writeSpeakerFiles(dir, 'us', US, await generateAdKey(), lab.tls);
    const port = await freePort();
    writeSpeakerConfig(dir, { ad: US, peer: PEER, natsUrl: nats.url, port, resolver: lab.dns.resolver, extra: { liveness: { interval_ms: 500, dead_after_ms: 2_000 }, restart_time_ms: RESTART_MS } });
    for (const service of SERVICES) start(service);

    // The peer, until the checks are over: sends its updates at a pace that spreads them over the kills, keeps its session alive, and after every session loss dials again and sends its table again.
    const ratePerMs = ROUTES / (KILLS * KILL_GAP_MS);
    let sent = 0;
    let sessions = 0;
    let peer: HandPeer | undefined;
    let allSent: (seconds: number) => void = () => undefined;
    const ingested = new Promise<number>((resolve) => (allSent = resolve));
    const began = Date.now();
    keepalive = setInterval(() => peer?.send({ keep_alive: {} }), 10_000);
    const drive = async () => {
      while (!over) {
        peer = await until('the peer to establish', () => handPeer({ port, us: US, peer: PEER, peerKey: lab!.peerKey, cert: lab!.tls.issue(PEER), ca: lab!.tls.ca }).catch(() => undefined), { ms: 60_000 });
        sessions++;
        const current = peer;
        let lost = false;
        void current.ended.then(() => (lost = true));
        const write = async (update: RouteUpdate) => {
          if (!current.send({ update })) await Promise.race([current.drained(), current.ended]);
        };
        // The table so far, again: what was announced and not withdrawn.
        const withdrawn = new Set(Array.from({ length: sent }, (_, u) => withdrawnBy(u)).flat());
        for (let u = 0; u < sent && !lost; u++) {
          const routes = routesOf(u).filter((r) => !withdrawn.has(r));
          if (routes.length > 0) await write({ announcements: [announcement(u, routes)] });
        }
        while (sent < UPDATES && !lost) {
          await write(updateOf(sent));
          // Counted once written to the stream: if the session dies, the table sent again holds it anyway.
          if (!lost) sent++;
          const ahead = sent * PER_UPDATE - ratePerMs * (Date.now() - began);
          if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, ahead / ratePerMs)));
        }
        if (sent === UPDATES) allSent((Date.now() - began) / 1000);
        await current.ended;
      }
    };
    const driving = drive();

    const kills = new Map<Service, number>(SERVICES.map((s) => [s, 0]));
    /** How long each nats-server restart took, from SIGTERM to listening again (a stop past 5 s is a SIGKILL, said on stderr). */
    const natsRestartMs: number[] = [];
    // Each service once, in a random order, then any: a short run kills every one of them.
    const first = shuffle(random, [...SERVICES]);
    for (let k = 0; k < KILLS; k++) {
      await new Promise((resolve) => setTimeout(resolve, KILL_GAP_MS * (0.4 + 1.2 * random())));
      const victim = first[k] ?? SERVICES[pick(random, SERVICES.length)]!;
      await kill9(victim);
      kills.set(victim, kills.get(victim)! + 1);
      start(victim);
      if (k === Math.floor(KILLS / 2)) {
        const restarting = Date.now();
        await nats.restart();
        natsRestartMs.push(Date.now() - restarting);
      }
    }
    const ingestSeconds = await ingested;
    console.log(`chaos: all ${UPDATES} updates sent in ${ingestSeconds.toFixed(1)} s over ${sessions} sessions, the kills done in ${((Date.now() - began) / 1000).toFixed(1)} s; kills ${JSON.stringify(Object.fromEntries(kills))}, nats-server restarts ${natsRestartMs.length} (${natsRestartMs.join(', ')} ms), exits restarted ${JSON.stringify(exits)}`);

    // Quiet: nothing moved for a while, and the last session's stale deadline is past.
    await untilQuiet(nc, RESTART_MS + 2_000);
    const quarantined = SERVICES.flatMap((s) => readFileSync(join(dir, `${s}.log`), 'utf8').split('\n').filter((l) => l.includes('quarantined')));
    expect(quarantined).toEqual([]);

    // 1. The Loc-RIB is what one uninterrupted session gives: each update once, through the same import and RIB.
    const neighbor = await neighborOfPeer(nc);
    const reference = uninterrupted(neighbor);
    const locRib = await readLocRib(nc, 'DPP_LOC_RIB');
    expect(new Map([...locRib].map(([p, { advertisement }]) => [p, withoutProvenance(advertisement)]))).toEqual(new Map([...reference].map(([p, { advertisement }]) => [p, withoutProvenance(advertisement)])));

    // 2. The gateway's FIB is the entries of that Loc-RIB, and the reference's but for which event made each best.
    const fib = await readTable(nc, 'dpp-fib-gw');
    const gw = gatewayTable({ name: 'gw', fromPeers: undefined, schemes: undefined });
    const wanted = new Map([...locRib].map(([key, { pattern, advertisement, causeSeq }]) => [key, gw.entryOf(pattern, advertisement, causeSeq)!]));
    const difference = await tableDifference(nc, 'dpp-fib-gw', fib, wanted);
    if (difference !== undefined) console.log(difference);
    expect(fib).toEqual(wanted);
    const [firstKey, firstValue] = fib.entries().next().value!;
    const { causeSeq: _, ...sample } = Result.getOrThrow(decodeFibEntry(firstValue, routeOfKey(firstKey)!.pattern));
    expect(sample).toMatchObject({ peerAd: PEER, nextHop: `dtn://${PEER}/` });

    // 3. Every peer event imported once: a fresh import stage over the same peer log writes the same verdicts, under the same ids.
    const verdicts = await importedOnce(nc);
    expect(verdicts.chaos.length).toBe(verdicts.fresh.length);
    expect(verdicts.chaos).toEqual(verdicts.fresh);

    // 4. Every change once: a clean projection of the RIB input emits exactly the change stream.
    const clean = new LocRib(US);
    const expected: LocRibChange[] = [];
    for await (const m of readLog(nc, 'DPP_RIB_INPUT')) expected.push(...clean.apply(Result.getOrThrow(decodeRibInput(m.string(), m.seq))));
    const published: LocRibChange[] = [];
    for await (const m of readLog(nc, 'DPP_LOC_RIB')) published.push(...Result.getOrThrow(decodeLocRibChanges(m.string())));
    expect(published.length).toBe(expected.length);
    expect(published).toEqual(expected);
    console.log(`chaos: converged; ${locRib.size} routes in the Loc-RIB and the FIB, ${verdicts.chaos.length} verdicts, ${published.length} changes, each once`);

    over = true;
    peer?.close();
    await driving;
    for (const service of SERVICES) {
      const child = running.get(service)!;
      const stopped = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await stopped).toBe(0);
      running.delete(service);
    }
    passed = true;
  }, 900_000 + ROUTES);
});

/**
 * Where a table and the change stream's fold part: how many keys differ, and for the first, every
 * change message and every delta message that touched it, with the latest snapshot's bounds.
 * Undefined when they agree (the streams are then not read).
 */
async function tableDifference(nc: NatsConnection, table: string, held: ReadonlyMap<string, string>, wanted: ReadonlyMap<string, string>): Promise<string | undefined> {
  const differing = [...new Set([...held.keys(), ...wanted.keys()])].filter((key) => held.get(key) !== wanted.get(key)).sort();
  const key = differing[0];
  if (key === undefined) return undefined;
  const pattern = routeOfKey(key)!.pattern;
  const lines = [`chaos: ${differing.length} keys differ between the table ${table} and the change stream's fold; the first, ${key}: table ${held.get(key)}, fold ${wanted.get(key)}`];
  for await (const m of readLog(nc, 'DPP_LOC_RIB')) {
    const changes = decodeLocRibChanges(m.string());
    for (const c of Result.isSuccess(changes) ? changes.success : []) {
      if (c.pattern === pattern) lines.push(`  change stream seq ${m.seq}: cause ${c.causeSeq}, best ${c.best ? `from ${c.best.validFrom ?? '-'}` : 'none'}, previous ${c.previous ? `from ${c.previous.validFrom ?? '-'}` : 'none'}`);
    }
  }
  const snapshot = await latestSnapshot(nc, table);
  lines.push(`  latest snapshot: ${snapshot ? `${snapshot.id}, deltas through ${snapshot.deltasThrough}, ${snapshot.entries} entries` : 'none'}`);
  for await (const m of readLog(nc, tableStream(table))) {
    const deltas = decodeTableLines(m.string());
    for (const d of Result.isSuccess(deltas) ? deltas.success : []) if (d.key === key) lines.push(`  delta seq ${m.seq} (id ${m.headers?.get('Nats-Msg-Id')}): ${d.value ?? 'deleted'}`);
  }
  return lines.join('\n');
}

/** The neighbor the peer is to the speaker (its AD and speaker id), from the first session-up logged. */
async function neighborOfPeer(nc: NatsConnection): Promise<string> {
  for await (const m of readLog(nc, 'DPP_PEER_EVENTS')) {
    const event = decodeLoggedEvent(m.string());
    if (Result.isSuccess(event) && event.success.kind === 'session-up') return neighborOf(event.success);
  }
  throw new Error('no session-up logged');
}

/** The Loc-RIB one session that never broke gives: the peer's updates, each once, through the pass-through import and the RIB. */
function uninterrupted(neighbor: string): Map<string, { advertisement: RibAdvertisement; causeSeq: number }> {
  const [peerAd, peerSpeakerId] = neighbor.split(' ') as [string, string];
  const rib = new LocRib(US);
  const best = new Map<string, { advertisement: RibAdvertisement; causeSeq: number }>();
  const base = { v: 1, sessionId: 'reference', speakerId: 'dtn://us', peerAd, peerSpeakerId, receivedAt: 0 } as const;
  const events: PeerEvent[] = [
    { ...base, kind: 'session-up', n: 0 },
    ...Array.from({ length: UPDATES }, (_, u): PeerEvent => ({ ...base, kind: 'route-update', n: u + 1, sequenceNumber: String(u + 1), message: codec.encode({ sequence_number: String(u + 1), update: updateOf(u) }).toString('base64') })),
  ];
  events.forEach((event, i) => {
    for (const change of rib.apply(passThroughImport(event, i + 1, RESTART_MS))) {
      // By table key, as readLocRib folds the change stream: a pattern's intervals apart.
      if (change.previous) best.delete(keyOf(change.pattern, change.previous.validFrom));
      if (change.best) best.set(keyOf(change.pattern, change.best.validFrom), { advertisement: change.best, causeSeq: change.causeSeq });
    }
  });
  return best;
}

/** The RIB input's verdicts (id and body) against those a fresh import stage writes from the same peer log. */
async function importedOnce(nc: NatsConnection): Promise<{ chaos: string[]; fresh: string[] }> {
  const verdicts = async (stream: string, subject: string) => {
    const got: string[] = [];
    for await (const m of readLog(nc, stream, undefined, subject)) got.push(`${m.headers?.get('Nats-Msg-Id')} ${m.string()}`);
    return got;
  };
  await ensureStream(nc, { name: 'REF_RIB_INPUT', subjects: ['ref_rib_input.>'], duplicateWindowMs: 120_000 });
  const last = (await (await jetstreamManager(nc)).streams.info('DPP_PEER_EVENTS')).state.last_seq;
  const stage = await startImportStage(nc, { peerStream: 'DPP_PEER_EVENTS', ribStream: 'REF_RIB_INPUT', ribSubject: 'ref_rib_input.verdict', restartMs: RESTART_MS, batch: 256, log: () => undefined });
  try {
    await until('the fresh import stage to read the whole peer log', () => (stage.position() >= last ? true : undefined), { ms: 300_000 });
  } finally {
    await stage.stop();
  }
  return { chaos: await verdicts('DPP_RIB_INPUT', 'dpp_rib_input.verdict'), fresh: await verdicts('REF_RIB_INPUT', 'ref_rib_input.verdict') };
}

/** Waits until the logs, the Loc-RIB and the FIB stop moving for `ms` in a row. */
async function untilQuiet(nc: NatsConnection, ms: number): Promise<void> {
  // Made in each sample, which `until` tries again: a short run's nats-server restart can be just before, and the first request time out.
  const sample = async () => {
    const jsm = await jetstreamManager(nc);
    return (await Promise.all(['DPP_PEER_EVENTS', 'DPP_RIB_INPUT', 'DPP_LOC_RIB', 'TABLE_dpp-fib-gw'].map(async (s) => (await jsm.streams.info(s)).state.last_seq))).join(' ');
  };
  let last = '';
  let since = Date.now();
  await until(
    'the speaker to settle',
    async () => {
      const now = await sample();
      if (now !== last) [last, since] = [now, Date.now()];
      return Date.now() - since >= ms ? true : undefined;
    },
    { ms: 1_800_000 },
  );
}

const withoutProvenance = ({ receivedSeq: _, index: __, ...route }: RibAdvertisement) => route;
