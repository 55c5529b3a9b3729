import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeLocRibChanges, decodeLoggedEvent, decodeRibInput, encodeRibInput, ribSubjects } from '#libs/events';
import { advertisementToWire } from '#libs/wire';
import { DEFAULT_SVC_PARAMS, generateAdKey, svcbZoneLine, writeKeyFiles, type AdKeyPair } from '#libs/identity';
import { attributesOf, LocRib, type AcceptedAdvertisement, type RibAdvertisement, type RibEvent } from '#libs/rib';
import { NotificationCode } from '#libs/session';
import { ensureStream, readLog } from '#libs/streams';
import { GatewayFib } from '#libs/gateway-client';
import { adToken, readTable, routeOfKey } from '#libs/tables';
import { loadFibExportConfig, loadPolicyConfig, loadRibConfig, loadSpeakerConfig } from '#libs/service-config';
import { startFibExportService } from '../../services/fib-export/src/fib-export-service.ts';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { startPolicyService } from '../../services/policy/src/policy-service.ts';
import { startRibService } from '../../services/rib/src/rib-service.ts';
import { startSpeaker } from '../../services/session/src/speaker.ts';
import { jsonLines, runDpp } from '../harness/dpp-process.ts';
import { handPeer, type HandPeer } from '../harness/peering-lab.ts';
import { type DnsLab, type NatsServer, startDnsLab, startNatsServer, startTlsLab, type TlsLab, until } from '#libs/lab';

const A = 'a.example.test';
const B = 'b.example.test';
const C = 'c.example.test';
/** A peer of B's driven by hand: it sends what a well-behaved speaker never would. */
const D = 'd.example.test';
const HOUR = 3_600_000;

/** B, the transit AD, in the middle: origin authorization, its own gateway on what it sends, a route limit for D. */
const B_POLICY = {
  origin_authorization: { table: [{ origin: A, patterns: ['ipn:100.*.*'] }, { origin: C, patterns: ['ipn:300.*.*'] }] },
  export: { gateway_eid: 'dtn://gw.b.example.test/' },
};

/** One AD's speaker: its own nats-server, and its session, RIB and policy services from config files as an operator writes them. */
interface Ad {
  readonly name: string;
  readonly nats: NatsServer;
  readonly nc: NatsConnection;
  readonly dir: string;
  port: number | undefined;
  readonly stops: Map<'session' | 'rib' | 'policy' | 'fib-export', () => Promise<void>>;
  /** Its config file, and what was last written to it. */
  readonly config: string;
  file: Record<string, unknown>;
}

/**
 * Three speakers in a line, A – B – C, each a separate AD with its own NATS, over real gRPC, TLS
 * 1.3 and DNSSEC-validated identities: A and C dial B. Routes flow through B's policy service, which
 * re-advertises them (AD_PATH prepended, B's gateway). D is a fourth AD that peers with B by hand.
 */
describe('transit through three speakers in a line', () => {
  let dns: DnsLab;
  let tls: TlsLab;
  const keys: Record<string, AdKeyPair> = {};
  const ads: Record<string, Ad> = {};
  let d: HandPeer | undefined;
  /** C's gateway `gs`: C's FIB-export service, followed by a gateway client. */
  let gateway: GatewayFib | undefined;

  const startAd = async (name: string, speaker: Record<string, unknown>, policy: Record<string, unknown> = {}): Promise<Ad> => {
    const nats = await startNatsServer();
    const dir = mkdtempSync(join(tmpdir(), `dpp-transit-${name.split('.')[0]}-`));
    await writeKeyFiles(join(dir, 'key'), keys[name]!, false);
    const cert = tls.issue(name);
    writeFileSync(join(dir, 'tls.crt'), cert.cert);
    writeFileSync(join(dir, 'tls.key'), cert.key);
    writeFileSync(join(dir, 'ca.crt'), tls.ca);
    const ad: Ad = { name, nats, nc: await connect({ servers: nats.url, maxReconnectAttempts: -1 }), dir, port: undefined, stops: new Map(), config: join(dir, 'dpp.yaml'), file: {} };
    // One file for the speaker's three services, as an operator writes it.
    writeConfig(ad, {
      ad: name,
      key_file: 'key',
      tls: { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' },
      dns: { resolvers: [`${dns.resolver.host}:${dns.resolver.port}`] },
      nats: { url: nats.url },
      backoff: { initial_ms: 200, max_ms: 1_000 },
      checkpoint: 'rib.sqlite',
      batch: 64,
      ...speaker,
      ...policy,
    });
    const log = () => undefined;
    const rib = await loadRibConfig(ad.config);
    ad.stops.set('rib', (await startRibService(Result.getOrThrow(rib), log)).stop);
    await startPolicy(ad);
    await startSession(ad);
    return ad;
  };
  const startSession = async (ad: Ad) => {
    const config = await loadSpeakerConfig(ad.config);
    if (Result.isFailure(config)) throw new Error(config.failure);
    const running = await startSpeaker(config.success, () => undefined);
    ad.port = running.port;
    ad.stops.set('session', running.stop);
  };
  const writeConfig = (ad: Ad, file: Record<string, unknown>) => {
    ad.file = file;
    writeFileSync(ad.config, stringify(file));
  };
  const startPolicy = async (ad: Ad) => {
    const config = await loadPolicyConfig(ad.config);
    if (Result.isFailure(config)) throw new Error(config.failure);
    ad.stops.set('policy', (await startPolicyService(config.success, () => undefined)).stop);
  };

  /** An AD's Loc-RIB as its change stream has it: every interval of every pattern's timeline, by pattern and start. */
  const intervals = async (ad: Ad): Promise<Map<string, RibAdvertisement>> => {
    const held = new Map<string, RibAdvertisement>();
    for await (const m of readLog(ad.nc, 'DPP_LOC_RIB')) {
      for (const change of Result.getOrThrow(decodeLocRibChanges(m.string()))) {
        if (change.previous) held.delete(`${change.pattern} ${change.previous.validFrom}`);
        if (change.best) held.set(`${change.pattern} ${change.best.validFrom}`, change.best);
      }
    }
    return held;
  };
  /** pattern → its route, for patterns of one interval (no scheduled route). */
  const locRib = async (ad: Ad): Promise<Map<string, RibAdvertisement>> => new Map([...(await intervals(ad))].map(([key, r]) => [key.split(' ')[0]!, r]));
  /** A pattern's timeline at an AD, in time order. */
  const timeline = async (ad: Ad, pattern: string) => [...(await intervals(ad))].filter(([key]) => key.split(' ')[0] === pattern).map(([, r]) => r).sort((x, y) => (x.validFrom ?? -Infinity) - (y.validFrom ?? -Infinity));
  const route = async (ad: Ad, pattern: string, holds: (r: RibAdvertisement | undefined) => boolean) =>
    until(`${ad.name}: ${pattern}`, async () => {
      const r = (await locRib(ad)).get(pattern);
      return holds(r) ? (r ?? null) : undefined;
    }, { ms: 20_000 });
  let originated = 0;
  /** A locally originated update in an AD's RIB input, as `dpp contacts import` writes one. */
  const originate = async (ad: Ad, withdrawn: string[], accepted: Omit<AcceptedAdvertisement, 'adPath' | 'metric' | 'gatewayEid' | 'validFrom' | 'validUntil' | 'bandwidthBps' | 'maxBundleSize' | 'transitive'> & Partial<AcceptedAdvertisement>, withdrawnFrom?: number) => {
    const event: RibEvent = {
      type: 'update',
      seq: 0,
      neighbor: `${ad.name} config`,
      peerAd: ad.name,
      withdrawn: withdrawn.length > 0 ? [{ patterns: withdrawn, validFrom: withdrawnFrom }] : [],
      accepted: accepted.patterns.length > 0 ? [{ adPath: [], metric: 0, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [], ...accepted }] : [],
      rejected: [],
    };
    await jetstream(ad.nc).publish(`${ribSubjects({ ribInput: 'DPP_RIB_INPUT', locRib: 'DPP_LOC_RIB' }).input.slice(0, -2)}.local`, encodeRibInput(event), { msgID: `origin-${++originated}` });
  };
  const sessionUps = async (ad: Ad) => {
    let n = 0;
    for await (const m of readLog(ad.nc, 'DPP_PEER_EVENTS')) {
      const e = decodeLoggedEvent(m.string());
      if (Result.isSuccess(e) && e.success.kind === 'session-up') n++;
    }
    return n;
  };

  beforeAll(async () => {
    for (const ad of [A, B, C, D]) keys[ad] = await generateAdKey();
    dns = await startDnsLab({ signed: [A, B, C, D].map((ad) => svcbZoneLine(ad, keys[ad]!.publicKey, DEFAULT_SVC_PARAMS)), unsigned: [] });
    tls = startTlsLab();
    ads[B] = await startAd(B, { listen: { host: '127.0.0.1', port: 0 }, peers: [{ ad: A }, { ad: C }, { ad: D, max_routes: { max: 6, action: 'teardown' } }] }, { policy: B_POLICY });
    const viaB = [{ ad: B, address: `127.0.0.1:${ads[B].port}` }];
    ads[A] = await startAd(A, { peers: viaB });
    ads[C] = await startAd(C, { peers: viaB });
  }, 120_000);
  afterAll(async () => {
    d?.close();
    await gateway?.close();
    for (const ad of Object.values(ads)) {
      for (const name of ['session', 'policy', 'fib-export', 'rib'] as const) await ad.stops.get(name)?.();
      await ad.nc.close();
      await ad.nats.stop();
    }
    await dns?.stop();
    tls?.remove();
  }, 60_000);

  it("carries A's routes to C and C's to A through B, as B re-advertises them", async () => {
    const until_ = Date.now() + HOUR;
    await originate(ads[A]!, [], { patterns: ['ipn:100.*.*', 'ipn:100.1.*'], metric: 7, gatewayEid: 'ipn:100.0', validUntil: until_, transitive: [{ typeId: 4242, value: Buffer.from('kept').toString('base64') }] });
    await originate(ads[C]!, [], { patterns: ['ipn:300.*.*'], metric: 3 });
    const atC = await route(ads[C]!, 'ipn:100.*.*', (r) => r !== undefined);
    // §5.3 AD_PATH [B, A]; §4.3 the metric A set; §6.7 B's gateway; §6.5 the window; §6.4 the transitive attribute unchanged.
    expect(atC).toMatchObject({ peerAd: B, adPath: [B, A], metric: 7, gatewayEid: 'dtn://gw.b.example.test/', validUntil: until_, transitive: [{ typeId: 4242, value: Buffer.from('kept').toString('base64') }] });
    expect(await route(ads[A]!, 'ipn:300.*.*', (r) => r !== undefined)).toMatchObject({ peerAd: B, adPath: [B, C], metric: 3, gatewayEid: 'dtn://gw.b.example.test/' });
    // B learned it from A with A's path and no gateway_eid: A names no gateway of its own, so its internal one (ipn:100.0) stayed home (§6.7).
    expect(await route(ads[B]!, 'ipn:100.*.*', (r) => r !== undefined)).toMatchObject({ peerAd: A, adPath: [A], gatewayEid: undefined });

    // Never back toward the origin: B's Adj-RIB-Out for A holds C's routes only, and A's best for its own pattern is its own.
    const toA = await readTable(ads[B]!.nc, `dpp-out-${adToken(A)}`);
    expect([...toA.keys()].map((k) => routeOfKey(k)?.pattern).sort()).toEqual(['ipn:300.*.*']);
    expect((await locRib(ads[A]!)).get('ipn:100.*.*')).toMatchObject({ peerAd: A, neighbor: `${A} config` });

    // A withdrawal propagates: A drops ipn:100.1, and C loses it.
    await originate(ads[A]!, ['ipn:100.1.*'], { patterns: [] });
    await route(ads[C]!, 'ipn:100.1.*', (r) => r === undefined);
    expect((await locRib(ads[C]!)).has('ipn:100.*.*')).toBe(true);
  }, 60_000);

  it('discards a loop and an unauthorized origin from a peer, and carries only transitive unknown attributes across B', async () => {
    d = await handPeer({ port: ads[B]!.port!, us: B, peer: D, peerKey: keys[D]!, cert: tls.issue(D), ca: tls.ca });
    d.send({
      update: {
        announcements: [
          // A loop: B is already on its AD_PATH (§5.3).
          { patterns: [{ ipn: { allocator_id: 400, is_wildcard: true } }], ad_path: [D, B] },
          // Not D's to originate: ipn:100.* is A's (§9.3).
          { patterns: [{ ipn: { allocator_id: 100, node_id: 9 } }], ad_path: [D] },
          {
            patterns: [{ ipn: { allocator_id: 500, is_wildcard: true } }],
            ad_path: [D],
            attributes: [{ unknown: { type_id: 7, transitive: true, value: Buffer.from([1, 2]) } }, { unknown: { type_id: 8, transitive: false, value: Buffer.from([3]) } }],
          },
        ],
      },
    });
    const atC = await route(ads[C]!, 'ipn:500.*.*', (r) => r !== undefined);
    expect(atC).toMatchObject({ adPath: [B, D], transitive: [{ typeId: 7, value: Buffer.from([1, 2]).toString('base64') }] });
    const atB = await locRib(ads[B]!);
    expect(atB.has('ipn:400.*.*')).toBe(false);
    expect(atB.has('ipn:100.9.*')).toBe(false);
    // The refusal is in B's RIB input with its rule and reason.
    const rejected: { pattern: string; rule: string; reason: string }[] = [];
    for await (const m of readLog(ads[B]!.nc, 'DPP_RIB_INPUT')) {
      const e = Result.getOrThrow(decodeRibInput(m.string(), m.seq));
      if (e.type === 'update') rejected.push(...e.rejected);
    }
    expect(rejected).toContainEqual({ pattern: 'ipn:100.9.*', rule: 'origin-authorization', reason: `origin ${D} is not authorized for ipn:100.9.*; authorized: ${A} (ipn:100.*.*)` });
  }, 60_000);

  it("tears D's session down with LIMIT_ROUTES when it goes over its route limit, and takes none of the routes above it", async () => {
    // D holds 3 routes at B (the loop and the unauthorized one are counted: the limit is on routes received); 4 more make 7 > 6.
    d!.send({ update: { announcements: [{ patterns: [1, 2, 3, 4].map((n) => ({ ipn: { allocator_id: 600, node_id: n } })), ad_path: [D] }] } });
    const notification = await d!.next('notification', 10_000);
    expect(notification.notification).toMatchObject({ code: NotificationCode.LIMIT_ROUTES });
    d!.close();
    d = undefined;
    // The session is gone and with it D's routes; the one above the limit never reached the RIB.
    await route(ads[C]!, 'ipn:500.*.*', (r) => r === undefined);
    const inputs: RibEvent[] = [];
    for await (const m of readLog(ads[B]!.nc, 'DPP_RIB_INPUT')) inputs.push(Result.getOrThrow(decodeRibInput(m.string(), m.seq)));
    expect(inputs.flatMap((e) => (e.type === 'update' ? e.rejected.filter((r) => r.rule === 'route-limit').map((r) => r.pattern) : []))).toEqual(['ipn:600.4.*']);
  }, 60_000);

  it('applies a new policy at B without a session reset, and a replay of the log with its policy versions gives the same verdicts', async () => {
    const [upsAtB, upsAtA] = [await sessionUps(ads[B]!), await sessionUps(ads[A]!)];
    await ads[B]!.stops.get('policy')!();
    writeConfig(ads[B]!, {
      ...ads[B]!.file,
      policy: {
        ...B_POLICY,
        export: { gateway_eid: 'dtn://gw2.b.example.test/' },
        import: { chains: [{ peers: [C], rules: [{ name: 'c-maintenance', then: 'reject', reason: 'C is in maintenance' }] }] },
      },
    });
    await startPolicy(ads[B]!);
    // C's route leaves B, so A loses it; A's route reaches C with B's new gateway.
    await route(ads[A]!, 'ipn:300.*.*', (r) => r === undefined);
    await route(ads[C]!, 'ipn:100.*.*', (r) => r?.gatewayEid === 'dtn://gw2.b.example.test/');
    expect(await sessionUps(ads[B]!)).toBe(upsAtB);
    expect(await sessionUps(ads[A]!)).toBe(upsAtA);

    // Replay: a fresh import stage over B's peer log writes the same verdicts as the running one did.
    const nc = ads[B]!.nc;
    await ensureStream(nc, { name: 'REPLAYED', subjects: ['replayed.>'], duplicateWindowMs: 120_000 });
    const stage = await startImportStage(nc, { peerStream: 'DPP_PEER_EVENTS', ribStream: 'REPLAYED', ribSubject: 'replayed.verdict', restartMs: 0, batch: 64, log: () => undefined });
    const verdicts = async (stream: string) => {
      const out: string[] = [];
      for await (const m of readLog(nc, stream)) if (m.subject.endsWith('.verdict')) out.push(m.string());
      return out;
    };
    const live = await verdicts('DPP_RIB_INPUT');
    await until('the replay to catch up', async () => ((await verdicts('REPLAYED')).length >= live.length ? true : undefined), { ms: 20_000 });
    await stage.stop();
    expect(await verdicts('REPLAYED')).toEqual(live);
    // And the RIB that replay gives is B's.
    const replayed = new LocRib(B);
    for await (const m of readLog(nc, 'DPP_RIB_INPUT')) replayed.apply(Result.getOrThrow(decodeRibInput(m.string(), m.seq)));
    expect([...replayed.entries()].map(([p, r]) => [p, r.peerAd]).sort()).toEqual([...(await locRib(ads[B]!))].map(([p, r]) => [p, r.peerAd]).sort());
  }, 90_000);

  it("counts B's routes per peer, and explains what B sends each peer for a pattern", async () => {
    const config = ads[B]!.config;
    const counted = await runDpp('policy', 'counters', '--config', config, '--json');
    expect(counted.status).toBe(0);
    const byPeer = Object.fromEntries(jsonLines(counted.stdout).map((c) => [c['peerAd'], c]));
    expect(byPeer[A]).toMatchObject({ sessionsUp: 1, announced: 2, withdrawn: 1, accepted: 2, rejected: {}, exported: 0, filtered: { 'from-peer': 1 } });
    expect(byPeer[C]).toMatchObject({ exported: 1, filtered: {} });
    // C: its route accepted, then refused by the new policy (soft reconfiguration), and nothing of it sent back.
    expect(byPeer[C]).toMatchObject({ sessionsUp: 1, announced: 1, accepted: 1, rejected: { 'c-maintenance': 1 } });
    expect(byPeer[D]).toMatchObject({ sessionsUp: 1, sessionsDown: 1, limitTeardowns: 1, updates: 2, announced: 7, rejected: { 'origin-authorization': 1, 'route-limit': 1 } });
    const explained = await runDpp('policy', 'explain', 'ipn:100.*.*', '--config', config);
    expect(explained.stdout).toContain(`ipn:100.*.*: best from ${A}, AD_PATH ${A}`);
    expect(explained.stdout).toMatch(new RegExp(`${A.replaceAll('.', '\\.')}\\s+no\\s+from-peer\\s+learned from ${A.replaceAll('.', '\\.')}`));
    expect(explained.stdout).toMatch(new RegExp(`${C.replaceAll('.', '\\.')}\\s+yes\\s+${B.replaceAll('.', '\\.')} ${A.replaceAll('.', '\\.')}\\s+dtn://gw2\\.b\\.example\\.test/`));
  }, 60_000);

  /** ION's absolute time form, as `dpp fib export --format ion` writes it: whole seconds, a start at its second and an end at the next. */
  const ionTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', '-');
  const ionEnd = (ms: number) => ionTime(Math.ceil(ms / 1000) * 1000);
  const fibAtC = () => gateway!.entries().filter((e) => e.pattern.startsWith('ipn:100.'));

  it("carries a future contact from A to C ahead of its window, into C's timeline, gateway and ION plan; A's withdrawal by valid_from takes it from all", async () => {
    // B names its own node as the gateway of what it sends: C's contacts are then ION contacts (ION says next hops as ipn nodes).
    await ads[B]!.stops.get('policy')!();
    writeConfig(ads[B]!, { ...ads[B]!.file, policy: { ...B_POLICY, export: { gateway_eid: 'ipn:2.0' } } });
    await startPolicy(ads[B]!);
    writeConfig(ads[C]!, { ...ads[C]!.file, gateways: [{ name: 'gs' }] });
    ads[C]!.stops.set('fib-export', (await startFibExportService(Result.getOrThrow(await loadFibExportConfig(ads[C]!.config)), () => undefined)).stop);
    gateway = await GatewayFib.open(ads[C]!.nc, { gateway: 'gs' });

    const from = Date.now() + HOUR;
    const to = from + HOUR;
    await originate(ads[A]!, [], { patterns: ['ipn:100.77.*'], validFrom: from, validUntil: to, bandwidthBps: '8000000' });
    // An hour ahead of its window it is in C's timeline with B's path and A's window (§5.3, §6.5), and in C's gateway.
    const [atC] = await until('the future contact in C\'s timeline', async () => ((await timeline(ads[C]!, 'ipn:100.77.*')).length > 0 ? timeline(ads[C]!, 'ipn:100.77.*') : undefined), { ms: 20_000 });
    expect(atC).toMatchObject({ peerAd: B, adPath: [B, A], gatewayEid: 'ipn:2.0', validFrom: from, validUntil: to, bandwidthBps: '8000000' });
    const entry = await until("the future contact in C's gateway", async () => fibAtC().find((e) => e.pattern === 'ipn:100.77.*'), { ms: 20_000 });
    expect(entry).toMatchObject({ nextHop: 'ipn:2.0', validFrom: from, validUntil: to, adPath: [B, A] });
    // Now the EID goes by the less specific ipn:100.* (§4.2); inside the window, by the contact.
    expect(gateway.lookup('ipn:100.77.0')?.pattern).toBe('ipn:100.*.*');
    expect(gateway.lookup('ipn:100.77.0', from + 60_000)).toMatchObject({ pattern: 'ipn:100.77.*', nextHop: 'ipn:2.0', validFrom: from });
    const shown = await runDpp('fib', 'show', '--gateway', 'gs', '--nats', ads[C]!.nats.url, '--at', new Date(from + 60_000).toISOString(), '--json');
    expect(jsonLines(shown.stdout).map((e) => e['pattern'])).toContain('ipn:100.77.*');
    // C's ION contact plan has the contact, from C (node 3) to B's node 2, at its rate in bytes/s.
    const ion = await runDpp('fib', 'export', '--gateway', 'gs', '--format', 'ion', '--local-node', '3', '--nats', ads[C]!.nats.url);
    expect(ion.status).toBe(0);
    expect(ion.stdout).toContain(`a contact ${ionTime(from)} ${ionEnd(to)} 3 2 1000000`);

    // A withdraws it by its valid_from (§6.6): it leaves B, C and C's gateway.
    await originate(ads[A]!, ['ipn:100.77.*'], { patterns: [] }, from);
    await until('the withdrawn contact gone from B and C', async () => ((await timeline(ads[B]!, 'ipn:100.77.*')).length + (await timeline(ads[C]!, 'ipn:100.77.*')).length === 0 ? true : undefined), { ms: 20_000 });
    await until("the withdrawn contact gone from C's gateway", async () => (fibAtC().some((e) => e.pattern === 'ipn:100.77.*') ? undefined : true), { ms: 20_000 });
  }, 90_000);

  it("ranks D's and A's overlapping windows per interval, sends C each interval with its own window, and changes C's forwarding once at each edge", async () => {
    const pattern = 'ipn:100.88.*';
    // D offers a window over two hops ([D, A]: A's space, through D), A a shorter one nested in it: A wins its own, D the rest.
    const t0 = Math.ceil((Date.now() + 10_000) / 1_000) * 1_000;
    const [dFrom, aFrom, aUntil, dUntil] = [t0, t0 + 3_000, t0 + 6_000, t0 + 9_000];
    d = await handPeer({ port: ads[B]!.port!, us: B, peer: D, peerKey: keys[D]!, cert: tls.issue(D), ca: tls.ca });
    d.send({ update: { announcements: [advertisementToWire([pattern], attributesOf({ adPath: [D, A], metric: 0, transitive: [], validFrom: dFrom, validUntil: dUntil }))] } });
    await originate(ads[A]!, [], { patterns: [pattern], validFrom: aFrom, validUntil: aUntil });

    const windows = (routes: readonly RibAdvertisement[]) => routes.map((r) => [r.adPath.join(' '), r.validFrom, r.validUntil]);
    // B's timeline: D's route clipped around A's; C gets each interval as a route of its own, AD_PATH prepended (docs/spec-notes.md §6.5).
    const expected = [[`${B} ${D} ${A}`, dFrom, aFrom], [`${B} ${A}`, aFrom, aUntil], [`${B} ${D} ${A}`, aUntil, dUntil]];
    const atC = await until("the three intervals in C's timeline", async () => {
      const routes = await timeline(ads[C]!, pattern);
      return JSON.stringify(windows(routes)) === JSON.stringify(expected) ? routes : undefined;
    }, { ms: 20_000 });
    expect(windows(atC)).toEqual(expected);
    expect(windows(await timeline(ads[B]!, pattern))).toEqual(expected.map(([path, from, to]) => [String(path).slice(B.length + 1), from, to]));
    // The RIB explains any instant ahead: inside A's window A wins on AD_PATH length.
    const explained = await runDpp('explain', pattern, '--ad', B, '--nats', ads[B]!.nats.url, '--at', new Date(aFrom + 1_000).toISOString(), '--json');
    expect(jsonLines(explained.stdout)[0]).toMatchObject({ candidates: [{ adPath: [A], result: 'best' }, { adPath: [D, A], result: 'lost', step: 'ad-path-length' }] });
    await until("C's gateway to hold the three intervals", async () => (fibAtC().filter((e) => e.pattern === pattern).length === 3 ? true : undefined), { ms: 20_000 });
    expect(Date.now()).toBeLessThan(t0);

    // What C's gateway forwards ipn:100.88 by over the edges, sampled: each edge changes it once, and nothing else
    // does. Outside the windows the EID goes by A's ipn:100.* (§4.2: the less specific pattern).
    const seen: string[] = [];
    while (Date.now() < dUntil + 1_000) {
      const entry = gateway!.lookup('ipn:100.88.0');
      const now = `${entry?.pattern} ${entry?.adPath.join(' ')}`;
      if (seen.at(-1) !== now) seen.push(now);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen).toEqual([`ipn:100.*.* ${B} ${A}`, `${pattern} ${B} ${D} ${A}`, `${pattern} ${B} ${A}`, `${pattern} ${B} ${D} ${A}`, `ipn:100.*.* ${B} ${A}`]);

    // Ended, nothing of it is left anywhere: not in B's or C's timeline, B's Adj-RIB-Out for C, or C's gateway.
    await until('the ended windows gone from B and C', async () => ((await timeline(ads[B]!, pattern)).length + (await timeline(ads[C]!, pattern)).length === 0 ? true : undefined), { ms: 20_000 });
    await until("the ended windows gone from B's Adj-RIB-Out for C", async () => ([...(await readTable(ads[B]!.nc, `dpp-out-${adToken(C)}`)).keys()].some((k) => routeOfKey(k)?.pattern === pattern) ? undefined : true), { ms: 20_000 });
    await until("the ended windows gone from C's gateway", async () => (fibAtC().some((e) => e.pattern === pattern) ? undefined : true), { ms: 20_000 });
    // They lapsed: B never withdrew them from C (C's RIB input has no withdrawal of the pattern); C dropped each at its end by its own clock.
    const withdrawnAtC: string[] = [];
    for await (const m of readLog(ads[C]!.nc, 'DPP_RIB_INPUT')) {
      const e = Result.getOrThrow(decodeRibInput(m.string(), m.seq));
      if (e.type === 'update') withdrawnAtC.push(...e.withdrawn.flatMap((w) => w.patterns));
    }
    expect(withdrawnAtC).not.toContain(pattern);
    expect(withdrawnAtC).toContain('ipn:100.77.*');
    d.close();
    d = undefined;
  }, 90_000);

  it("keeps A down while an operator has it disabled at B, across a restart of B's session service, and takes it back when enabled", async () => {
    const config = ads[B]!.config;
    type Site = { disabled?: { reason?: string }; sessions: { state: string; sessionId: string }[]; lastNotificationSent?: { code: number; reason: string } };
    const aAtB = async (): Promise<Site> => (jsonLines((await runDpp('show', 'peers', A, '--config', config, '--json')).stdout)[0]!['sites'] as Site[])[0]!;
    const before = await aAtB();
    expect(before.sessions.map((s) => s.state)).toEqual(['ESTABLISHED']);

    const disabled = await runDpp('peer', 'disable', A, '--config', config, '--reason', 'antenna maintenance');
    expect([disabled.status, disabled.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^${A} disabled: event \\d+ in DPP_PEER_EVENTS\\ndtn://\\S+: ${A} disabled, \\d+ of its sessions ending\\n$`))]);
    // Its session ended with Notification 30 and the reason, logged; its redials are refused at Hello, with 30 too.
    const downs = async () => {
      const found: { code: number | undefined; reason: string | undefined }[] = [];
      for await (const m of readLog(ads[B]!.nc, 'DPP_PEER_EVENTS')) {
        const e = decodeLoggedEvent(m.string());
        if (Result.isSuccess(e) && e.success.kind === 'session-down' && e.success.peerAd === A && e.success.sessionId === before.sessions[0]!.sessionId) found.push({ code: e.success.code, reason: e.success.reason });
      }
      return found.length > 0 ? found : undefined;
    };
    expect(await until("A's session-down at B", downs)).toMatchObject([{ code: NotificationCode.ADMINISTRATIVE_SHUTDOWN, reason: 'peer disabled by an operator (dpp peer disable): antenna maintenance' }]);
    // A hears the refusal: the Notification it last received from B, after `since`.
    const refusedSince = async (since: number) => until('A refused at Hello', async () => {
      const site = (jsonLines((await runDpp('show', 'peers', B, '--config', ads[A]!.config, '--json')).stdout)[0]!['sites'] as { lastNotificationReceived?: { code: number; reason: string; at: number } }[])[0]!;
      const got = site.lastNotificationReceived;
      return got && got.at > since && got.reason === `peer sent Notification 30: ${A} is disabled here by an operator` ? got : undefined;
    }, { ms: 20_000 });
    expect(await refusedSince(Date.now())).toMatchObject({ code: NotificationCode.ADMINISTRATIVE_SHUTDOWN });
    expect(await aAtB()).toMatchObject({ disabled: { reason: 'antenna maintenance' }, sessions: [] });
    expect((await runDpp('show', 'peers', '--config', config)).stdout).toMatch(new RegExp(`${A.replaceAll('.', '\\.')}\\s+disabled\\s`));
    expect((await runDpp('show', 'events', '--last', '50', '--config', config)).stdout).toMatch(new RegExp(`peer-disable\\s+${A.replaceAll('.', '\\.')}\\s+by an operator: antenna maintenance`));

    // A new session service (same address) reads the state from the log before it accepts anyone: A stays refused.
    await ads[B]!.stops.get('session')!();
    writeConfig(ads[B]!, { ...ads[B]!.file, listen: { host: '127.0.0.1', port: ads[B]!.port } });
    const restarted = Date.now();
    await startSession(ads[B]!);
    expect(await refusedSince(restarted)).toMatchObject({ code: NotificationCode.ADMINISTRATIVE_SHUTDOWN });
    expect(await aAtB()).toMatchObject({ disabled: { reason: 'antenna maintenance' }, sessions: [] });

    const enabled = await runDpp('peer', 'enable', A, '--config', config);
    expect([enabled.status, enabled.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^${A} enabled: event \\d+ in DPP_PEER_EVENTS\\ndtn://\\S+: ${A} enabled\\n$`))]);
    const back = await until('A established again', async () => {
      const site = await aAtB();
      return site.sessions.some((s) => s.state === 'ESTABLISHED') ? site : undefined;
    }, { ms: 20_000 });
    expect(back.disabled).toBeUndefined();
    expect((await runDpp('peer', 'disable', 'not an AD', '--config', config)).status).toBe(2);
  }, 90_000);
});
