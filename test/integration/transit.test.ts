import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeLocRibChanges, decodeLoggedEvent, decodeRibInput, encodeRibInput, ribSubjects } from '#libs/events';
import { DEFAULT_SVC_PARAMS, generateAdKey, svcbZoneLine, writeKeyFiles, type AdKeyPair } from '#libs/identity';
import { LocRib, type AcceptedAdvertisement, type RibAdvertisement, type RibEvent } from '#libs/rib';
import { NotificationCode } from '#libs/session';
import { ensureStream, readLog } from '#libs/streams';
import { adToken, patternOfKey, readTable } from '#libs/tables';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { loadPolicyConfig } from '../../services/policy/src/policy-config.ts';
import { startPolicyService } from '../../services/policy/src/policy-service.ts';
import { loadRibConfig } from '../../services/rib/src/rib-config.ts';
import { startRibService } from '../../services/rib/src/rib-service.ts';
import { loadSpeakerConfig } from '../../services/session/src/speaker-config.ts';
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
  origin_authorization: { table: [{ origin: A, patterns: ['ipn:100.*'] }, { origin: C, patterns: ['ipn:300.*'] }] },
  export: { gateway_eid: 'dtn://gw.b.example.test/' },
};

/** One AD's speaker: its own nats-server, and its session, RIB and policy services from config files as an operator writes them. */
interface Ad {
  readonly name: string;
  readonly nats: NatsServer;
  readonly nc: NatsConnection;
  readonly dir: string;
  port: number | undefined;
  readonly stops: Map<'session' | 'rib' | 'policy', () => Promise<void>>;
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
    const config = await loadSpeakerConfig(ad.config);
    if (Result.isFailure(config)) throw new Error(config.failure);
    const running = await startSpeaker(config.success, log);
    ad.port = running.port;
    ad.stops.set('session', running.stop);
    return ad;
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

  /** An AD's Loc-RIB as its change stream has it: pattern → best route. */
  const locRib = async (ad: Ad): Promise<Map<string, RibAdvertisement>> => {
    const best = new Map<string, RibAdvertisement>();
    for await (const m of readLog(ad.nc, 'DPP_LOC_RIB')) {
      for (const change of Result.getOrThrow(decodeLocRibChanges(m.string()))) {
        if (change.best) best.set(change.pattern, change.best);
        else best.delete(change.pattern);
      }
    }
    return best;
  };
  const route = async (ad: Ad, pattern: string, holds: (r: RibAdvertisement | undefined) => boolean) =>
    until(`${ad.name}: ${pattern}`, async () => {
      const r = (await locRib(ad)).get(pattern);
      return holds(r) ? (r ?? null) : undefined;
    }, { ms: 20_000 });
  let originated = 0;
  /** A locally originated update in an AD's RIB input, as `dpp contacts import` writes one. */
  const originate = async (ad: Ad, withdrawn: string[], accepted: Omit<AcceptedAdvertisement, 'adPath' | 'metric' | 'gatewayEid' | 'validFrom' | 'validUntil' | 'bandwidthBps' | 'maxBundleSize' | 'transitive'> & Partial<AcceptedAdvertisement>) => {
    const event: RibEvent = {
      type: 'update',
      seq: 0,
      neighbor: `${ad.name} config`,
      peerAd: ad.name,
      withdrawn: withdrawn.length > 0 ? [{ patterns: withdrawn, validFrom: undefined }] : [],
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
    for (const ad of Object.values(ads)) {
      for (const name of ['session', 'policy', 'rib'] as const) await ad.stops.get(name)?.();
      await ad.nc.close();
      await ad.nats.stop();
    }
    await dns?.stop();
    tls?.remove();
  }, 60_000);

  it("carries A's routes to C and C's to A through B, as B re-advertises them", async () => {
    const until_ = Date.now() + HOUR;
    await originate(ads[A]!, [], { patterns: ['ipn:100.*', 'ipn:100.1'], metric: 7, gatewayEid: 'ipn:100.0', validUntil: until_, transitive: [{ typeId: 4242, value: Buffer.from('kept').toString('base64') }] });
    await originate(ads[C]!, [], { patterns: ['ipn:300.*'], metric: 3 });
    const atC = await route(ads[C]!, 'ipn:100.*', (r) => r !== undefined);
    // §5.3 AD_PATH [B, A]; §4.3 the metric A set; §6.7 B's gateway; §6.5 the window; §6.4 the transitive attribute unchanged.
    expect(atC).toMatchObject({ peerAd: B, adPath: [B, A], metric: 7, gatewayEid: 'dtn://gw.b.example.test/', validUntil: until_, transitive: [{ typeId: 4242, value: Buffer.from('kept').toString('base64') }] });
    expect(await route(ads[A]!, 'ipn:300.*', (r) => r !== undefined)).toMatchObject({ peerAd: B, adPath: [B, C], metric: 3, gatewayEid: 'dtn://gw.b.example.test/' });
    // B learned it from A with A's path and no gateway_eid: A names no gateway of its own, so its internal one (ipn:100.0) stayed home (§6.7).
    expect(await route(ads[B]!, 'ipn:100.*', (r) => r !== undefined)).toMatchObject({ peerAd: A, adPath: [A], gatewayEid: undefined });

    // Never back toward the origin: B's Adj-RIB-Out for A holds C's routes only, and A's best for its own pattern is its own.
    const toA = await readTable(ads[B]!.nc, `dpp-out-${adToken(A)}`);
    expect([...toA.keys()].map(patternOfKey).sort()).toEqual(['ipn:300.*']);
    expect((await locRib(ads[A]!)).get('ipn:100.*')).toMatchObject({ peerAd: A, neighbor: `${A} config` });

    // A withdrawal propagates: A drops ipn:100.1, and C loses it.
    await originate(ads[A]!, ['ipn:100.1'], { patterns: [] });
    await route(ads[C]!, 'ipn:100.1', (r) => r === undefined);
    expect((await locRib(ads[C]!)).has('ipn:100.*')).toBe(true);
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
    const atC = await route(ads[C]!, 'ipn:500.*', (r) => r !== undefined);
    expect(atC).toMatchObject({ adPath: [B, D], transitive: [{ typeId: 7, value: Buffer.from([1, 2]).toString('base64') }] });
    const atB = await locRib(ads[B]!);
    expect(atB.has('ipn:400.*')).toBe(false);
    expect(atB.has('ipn:100.9')).toBe(false);
    // The refusal is in B's RIB input with its rule and reason.
    const rejected: { pattern: string; rule: string; reason: string }[] = [];
    for await (const m of readLog(ads[B]!.nc, 'DPP_RIB_INPUT')) {
      const e = Result.getOrThrow(decodeRibInput(m.string(), m.seq));
      if (e.type === 'update') rejected.push(...e.rejected);
    }
    expect(rejected).toContainEqual({ pattern: 'ipn:100.9', rule: 'origin-authorization', reason: `origin ${D} is not authorized for ipn:100.9; authorized: ${A} (ipn:100.*)` });
  }, 60_000);

  it("tears D's session down with LIMIT_ROUTES when it goes over its route limit, and takes none of the routes above it", async () => {
    // D holds 3 routes at B (the loop and the unauthorized one are counted: the limit is on routes received); 4 more make 7 > 6.
    d!.send({ update: { announcements: [{ patterns: [1, 2, 3, 4].map((n) => ({ ipn: { allocator_id: 600, node_id: n } })), ad_path: [D] }] } });
    const notification = await d!.next('notification', 10_000);
    expect(notification.notification).toMatchObject({ code: NotificationCode.LIMIT_ROUTES });
    d!.close();
    d = undefined;
    // The session is gone and with it D's routes; the one above the limit never reached the RIB.
    await route(ads[C]!, 'ipn:500.*', (r) => r === undefined);
    const inputs: RibEvent[] = [];
    for await (const m of readLog(ads[B]!.nc, 'DPP_RIB_INPUT')) inputs.push(Result.getOrThrow(decodeRibInput(m.string(), m.seq)));
    expect(inputs.flatMap((e) => (e.type === 'update' ? e.rejected.filter((r) => r.rule === 'route-limit').map((r) => r.pattern) : []))).toEqual(['ipn:600.4']);
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
    await route(ads[A]!, 'ipn:300.*', (r) => r === undefined);
    await route(ads[C]!, 'ipn:100.*', (r) => r?.gatewayEid === 'dtn://gw2.b.example.test/');
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
    const explained = await runDpp('policy', 'explain', 'ipn:100.*', '--config', config);
    expect(explained.stdout).toContain(`ipn:100.*: best from ${A}, AD_PATH ${A}`);
    expect(explained.stdout).toMatch(new RegExp(`${A.replaceAll('.', '\\.')}\\s+no\\s+from-peer\\s+learned from ${A.replaceAll('.', '\\.')}`));
    expect(explained.stdout).toMatch(new RegExp(`${C.replaceAll('.', '\\.')}\\s+yes\\s+${B.replaceAll('.', '\\.')} ${A.replaceAll('.', '\\.')}\\s+dtn://gw2\\.b\\.example\\.test/`));
  }, 60_000);
});
