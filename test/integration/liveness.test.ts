import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_SVC_PARAMS, generateAdKey, svcbZoneLine, type AdKeyPair } from '#libs/identity';
import { freePort, startDnsLab, startTlsLab, until, type DnsLab, type TlsLab } from '#libs/lab';
import { keyOf, readLocRib } from '#libs/tables';
import { loadPolicyConfig, loadRibConfig } from '#libs/service-config';
import { startPolicyService } from '../../services/policy/src/policy-service.ts';
import { startRibService } from '../../services/rib/src/rib-service.ts';
import { writeSpeakerFiles } from '../harness/speaker-files.ts';
import { handPeer } from '../harness/peering-lab.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const US = 'us.example.test';
const P1 = 'p1.example.test';
const T = `LV${process.pid}`;
let dns: DnsLab, tls: TlsLab, nc: NatsConnection, config = '', port = 0;
const keys: Record<string, AdKeyPair> = {};
const stops: (() => Promise<void>)[] = [];
const policyLog: Record<string, unknown>[] = [];
let child: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'dpp-lv-'));

const startSession = async () => {
  child = spawn(process.execPath, ['bin/dpp.js', 'session', '--config', config], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  await until('listening', () => (out.includes('"msg":"listening"') ? true : undefined), { ms: 30_000 });
};

beforeAll(async () => {
  for (const ad of [US, P1]) keys[ad] = await generateAdKey();
  dns = await startDnsLab({ signed: [svcbZoneLine(P1, keys[P1]!.publicKey, DEFAULT_SVC_PARAMS)], unsigned: [] });
  tls = startTlsLab();
  await writeSpeakerFiles(dir, 'us', US, keys[US]!, tls);
  port = await freePort();
  config = join(dir, 'us.yaml');
  writeFileSync(config, stringify({
    ad: US, key_file: 'us.key', tls: { cert: 'us.crt', key: 'us-tls.key', ca: 'ca.crt' },
    dns: { resolvers: [`${dns.resolver.host}:${dns.resolver.port}`] },
    nats: { url: inject('natsUrl'), stream: `PE_${T}`, subject_prefix: `pe.${T}`, adj_rib_out_prefix: `out-${T}` },
    streams: { rib_input: `RI_${T}`, loc_rib: `LR_${T}` },
    listen: { host: '127.0.0.1', port }, peers: [{ ad: P1 }], checkpoint: 'rib.sqlite',
    liveness: { interval_ms: 200, dead_after_ms: 3_000 },
  }));
  nc = await connect({ servers: inject('natsUrl') });
  stops.push((await startRibService(Result.getOrThrow(await loadRibConfig(config)), () => undefined)).stop);
  stops.push((await startPolicyService(Result.getOrThrow(await loadPolicyConfig(config)), (l) => void policyLog.push(l))).stop);
  await startSession();
}, 60_000);
afterAll(async () => {
  child?.kill('SIGKILL');
  for (const s of stops.reverse()) await s();
  await nc.close();
  await dns.stop();
  tls.remove();
});

/**
 * README "Sites": a session service killed and restarted (systemd, dpp up) is judged dead a little
 * later; the end it logs for the old session must not take the routes the peer sent again to the
 * new one.
 */
describe('liveness of a restarted session service', () => {
  it('leaves the routes of the neighbor’s new session when the old one is judged lost', async () => {
  const peerCert = tls.issue(P1);
  const route = { update: { announcements: [{ patterns: [{ ipn: { allocator_id: 1, is_wildcard: true } }], ad_path: [P1] }] } };
  const p = await handPeer({ port, us: US, peer: P1, peerKey: keys[P1]!, cert: peerCert, ca: tls.ca });
  p.send(route);
  await until('route in RIB', async () => ((await readLocRib(nc, `LR_${T}`)).has(keyOf('ipn:1.*.*', undefined)) ? true : undefined), { ms: 20_000 });
  // The session service crashes; the supervisor / systemd restarts it; the peer redials.
  const gone = new Promise((r) => child!.once('exit', r));
  child!.kill('SIGKILL');
  await gone;
  p.close();
  await startSession();
  const p2 = await handPeer({ port, us: US, peer: P1, peerKey: keys[P1]!, cert: peerCert, ca: tls.ca });
  p2.send(route);
  await new Promise((r) => setTimeout(r, 1_000));
  expect((await readLocRib(nc, `LR_${T}`)).has(keyOf('ipn:1.*.*', undefined))).toBe(true);
  // The old instance is judged dead by now (3 s without a heartbeat), and its session passed over.
  await until('the old service judged', () => (policyLog.some((l) => l['msg'] === 'session service lost: its sessions logged as ended') ? true : undefined), { ms: 15_000 });
  await new Promise((r) => setTimeout(r, 1_000));
  const best = await readLocRib(nc, `LR_${T}`);
  expect(best.has(keyOf('ipn:1.*.*', undefined)), 'the live session’s route was dropped by the lost session-down').toBe(true);
  p2.close();
  }, 90_000);
});
