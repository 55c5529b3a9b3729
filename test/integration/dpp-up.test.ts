import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { connect } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodeLoggedEvent, passThroughImport } from '#libs/events';
import { exited, until } from '#libs/lab';
import { readLog } from '#libs/streams';
import { alive, jsonLines, runDpp } from '../harness/dpp-process.ts';
import { familiesOf, metricsNamedByDeploy } from '../harness/deploy-metrics.ts';
import { checkHealth } from '../harness/health-check.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** grpc.health.v1.Health/Check on the DSN's DPP port, over the demo's TLS, with a certificate of the CA (client certificates are required). */
async function healthOf(data: string): Promise<string> {
  const dsn = (file: string) => readFileSync(join(data, 'dsn.example.test', file));
  const config = parse(dsn('dpp.yaml').toString()) as { listen: { port: number } };
  const credentials = grpc.credentials.createSsl(dsn('ca.crt'), dsn('tls.key'), dsn('tls.crt'));
  return checkHealth(`127.0.0.1:${config.listen.port}`, credentials, { 'grpc.ssl_target_name_override': 'dsn.example.test' });
}

/** Until `dpp up` says it is up; a start that ends or takes too long fails with what it said. */
const stackUp = (child: ChildProcess, said: () => string, what: string) =>
  until(
    what,
    () => {
      if (said().includes('dpp is up')) return true;
      throw new Error(`dpp up said:\n${said().slice(-3_000)}`);
    },
    { ms: 90_000, gaveUp: () => (exited(child) ? `dpp up exited (${child.exitCode ?? child.signalCode}), having said:\n${said().slice(-3_000)}` : undefined) },
  );

/** README's main command, as a newcomer runs it: the demo stack up, routes at its gateway, the CLI against it, Ctrl-C. */
describe('dpp up (the demo stack)', () => {
  let up: ChildProcess | undefined;
  afterAll(() => void (up?.pid && process.kill(-up.pid, 'SIGKILL')));

  it('starts three ADs as separate processes, Mars routes reach ESA’s gateway through the DSN, and Ctrl-C stops everything', async () => {
    const data = mkdtempSync(join(tmpdir(), 'dpp-up-'));
    // Its own process group, as a shell gives a command run in a terminal: Ctrl-C is SIGINT to the whole group.
    up = spawn(process.execPath, ['bin/dpp.js', 'up', '--data', data], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    up.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    up.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await stackUp(up, () => out, 'the stack up');
    const pids = [...out.matchAll(/^\S+\/(?:rib|policy|session|fib-export|web)\s+(\d+)\s/gm)].map((m) => Number(m[1]));
    const metricsOf = (service: string) => new RegExp(`^${service.replaceAll('.', '\\.')}\\s+\\d+\\s+(http://\\S+)/metrics`, 'm').exec(out)![1]!;
    expect(pids).toHaveLength(13);
    expect(pids.every(alive)).toBe(true);
    // Mars's route through the DSN, with the DSN's gateway (§6.7) and AD_PATH [dsn, mars] (§5.3).
    await until("Mars's route at ESA's gateway", () => (out.includes('gateway esa-gw: + ipn:200.*.* via dtn://gw.dsn.example.test/ (AD_PATH dsn.example.test mars.example.test)') ? true : undefined), { ms: 30_000 });
    // Mars's own node goes with the DSN's node-20 gateway, which a DTN router's contact plan can name (ION here).
    await until("Mars's node at ESA's gateway", () => (out.includes('gateway esa-gw: + ipn:0.200.* via ipn:20.0 (AD_PATH dsn.example.test mars.example.test)') ? true : undefined), { ms: 30_000 });
    const ion = await runDpp('fib', 'export', '--format', 'ion', '--local-node', '30', '--config', join(data, 'esa.example.test', 'dpp.yaml'));
    expect(ion.stdout).toMatch(/^# ipn:0\.200\.\* via ipn:20\.0\na contact \S+ \S+ 30 20 125000$/m);
    // What README says to try next works against it.
    const esaConfig = /npx dpp fib show --config (\S+)/.exec(out)![1]!;
    const shown = await runDpp('fib', 'show', '--config', esaConfig, '--json');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('"pattern":"ipn:200.*.*"');
    // dpp show, against a speaker's own config file.
    const dsnConfig = join(data, 'dsn.example.test', 'dpp.yaml');
    const peers = await runDpp('show', 'peers', '--config', dsnConfig, '--json');
    expect(peers.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ peer: 'esa.example.test', state: 'ESTABLISHED', sessions: 1, bestRoutes: 2 }),
      expect.objectContaining({ peer: 'mars.example.test', state: 'ESTABLISHED', sessions: 1, bestRoutes: 2 }),
    ]);
    // One peer in detail, as the DSN's running session service says it (it accepts Mars's session).
    const mars = jsonLines((await runDpp('show', 'peers', 'mars.example.test', '--config', dsnConfig, '--json')).stdout)[0]!;
    const marsKey = readFileSync(join(data, 'mars.example.test', 'key.pub'), 'utf8');
    expect(mars).toMatchObject({ peer: 'mars.example.test', state: 'ESTABLISHED', sites: [{ accepted: true, sessions: [{ role: 'responder', state: 'ESTABLISHED', holdTime: expect.any(Number), tlsIdentity: expect.stringContaining('mars.example.test'), updatesIn: 1, routesIn: 2 }] }] });
    const site = (mars['sites'] as { dial?: string; lastNotificationSent?: unknown; sessions: { sessionId: string; svcbKey: string; messagesIn: number; updatesOut: number; address: string }[] }[])[0]!;
    expect([site.dial, site.lastNotificationSent]).toEqual([undefined, undefined]);
    const session = site.sessions[0]!;
    expect(marsKey).toContain(session.svcbKey);
    expect([session.messagesIn > 1, session.address]).toEqual([true, expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
    expect((await runDpp('show', 'peers', 'mars.example.test', '--config', dsnConfig)).stdout).toMatch(/session [0-9a-f]{8}, responder, ESTABLISHED since .*\n.*updates in 1 \(2 routes, 0 withdrawn\)[\s\S]*last Notification received: none/);
    // An operator's actions: refresh sends Mars the DSN's table again; reset ends its session with code 31, in the log, and Mars comes back.
    const refreshed = await runDpp('peer', 'refresh', 'mars.example.test', '--config', dsnConfig);
    expect([refreshed.status, refreshed.stdout]).toEqual([0, 'dtn://dsn.example.test/dpp: sent the whole table again on 1 session with mars.example.test\n']);
    const marsSession = async () => (jsonLines((await runDpp('show', 'peers', 'mars.example.test', '--config', dsnConfig, '--json')).stdout)[0]!['sites'] as { sessions: { sessionId: string; state: string; updatesOut: number }[]; lastNotificationSent?: { code: number; reason: string } }[])[0]!;
    await until('the table sent again', async () => ((await marsSession()).sessions[0]!.updatesOut > session.updatesOut ? true : undefined), { ms: 10_000 });
    const reset = await runDpp('peer', 'reset', 'mars.example.test', '--config', dsnConfig, '--reason', 'maintenance');
    expect([reset.status, reset.stdout]).toEqual([0, 'dtn://dsn.example.test/dpp: reset 1 session with mars.example.test\n']);
    const back = await until('Mars back', async () => {
      const now = await marsSession();
      return now.sessions[0]?.state === 'ESTABLISHED' && now.sessions[0].sessionId !== session.sessionId ? now : undefined;
    }, { ms: 30_000 });
    expect(back.lastNotificationSent).toMatchObject({ code: 31, reason: 'reset by an operator (dpp peer reset): maintenance' });
    expect((await runDpp('show', 'events', '--last', '10', '--config', dsnConfig)).stdout).toMatch(/session-down\s+mars\.example\.test\s+\S+\s+code 31: reset by an operator \(dpp peer reset\): maintenance/);
    expect((await runDpp('peer', 'reset', 'nobody.example.test', '--config', dsnConfig)).status).toBe(1);
    // Live answers from the running RIB (README, "Live answers").
    const esa = join(data, 'esa.example.test', 'dpp.yaml');
    const routes = await runDpp('show', 'routes', 'ipn:200.*.*', '--config', esa);
    expect(routes.stdout).toMatch(/^Loc-RIB of esa\.example\.test at RIB input \d+: 1 interval\n/);
    expect(routes.stdout).toMatch(/ipn:200\.\*\.\*\s+-\s+dsn\.example\.test\s+dsn\.example\.test mars\.example\.test\s+10\s+dtn:\/\/gw\.dsn\.example\.test\/\s+yes/);
    const forEid = jsonLines((await runDpp('show', 'routes', '--for', 'ipn:200.5.1', '--all', '--config', esa, '--json')).stdout);
    expect(forEid).toMatchObject([{ pattern: 'ipn:200.*.*', inForce: true, route: { peerAd: 'dsn.example.test', adPath: ['dsn.example.test', 'mars.example.test'], gatewayEid: 'dtn://gw.dsn.example.test/' }, candidates: [{ result: 'best' }] }]);
    const status = await runDpp('status', '--config', dsnConfig, '--json');
    expect(jsonLines(status.stdout).map((s) => [s['service'], s['ad'], s['restarts']])).toEqual([
      ['session', 'dsn.example.test', 0],
      ['policy', 'dsn.example.test', 0],
      ['rib', 'dsn.example.test', 0],
      ['web', 'dsn.example.test', 0],
    ]);
    expect(jsonLines(status.stdout).every((s) => pids.includes(s['pid'] as number))).toBe(true);
    expect((await runDpp('show', 'fib', '--config', join(data, 'esa.example.test', 'dpp.yaml'))).stdout).toContain('gateway esa-gw, revision');
    expect((await runDpp('show', 'events', '--last', '50', '--config', dsnConfig)).stdout).toMatch(/session-up\s+mars\.example\.test/);
    const originated = await runDpp('originate', 'ipn:200.7.*', '--config', join(data, 'mars.example.test', 'dpp.yaml'));
    expect([originated.status, originated.stdout.trim()]).toEqual([0, '1 route originated by mars.example.test']);
    await until('the new route at the gateway', () => (out.includes('gateway esa-gw: + ipn:200.7.* via dtn://gw.dsn.example.test/') ? true : undefined), { ms: 30_000 });
    // Readiness: with ESA's FIB export stopped (SIGSTOP), the DSN's update of ipn:200.8.* reaches ESA's peer log; dpp wait says what
    // has not caught up, and once the FIB export goes on, returns only when the route is in ESA's FIB.
    const esaFibExport = Number(/^esa\.example\.test\/fib-export\s+(\d+)/m.exec(out)![1]);
    process.kill(esaFibExport, 'SIGSTOP');
    expect((await runDpp('originate', 'ipn:200.8.*', '--config', join(data, 'mars.example.test', 'dpp.yaml'))).status).toBe(0);
    const nats = await connect({ servers: /nats-server\s+(nats:\/\/\S+)/.exec(out)![1]! });
    try {
      await until("the DSN's update in ESA's peer log", async () => {
        for await (const m of readLog(nats, 'DPP_PEER_EVENTS_ESA')) {
          const e = decodeLoggedEvent(m.string());
          if (Result.isSuccess(e) && e.success.kind === 'route-update' && JSON.stringify(passThroughImport(e.success, m.seq, 0)).includes('ipn:200.8.*')) return true;
        }
        return undefined;
      }, { ms: 30_000 });
    } finally {
      await nats.close();
    }
    const stalled = await runDpp('wait', '--config', esa, '--timeout', '2');
    expect([stalled.status, stalled.stderr]).toEqual([1, expect.stringContaining('dpp wait: not there after 2 s: no FIB export answers')]);
    process.kill(esaFibExport, 'SIGCONT');
    const waited = await runDpp('wait', '--config', esa);
    expect([waited.status, waited.stdout]).toEqual([0, expect.stringMatching(/^peer events up to \d+: judged \(RIB input up to \d+\), applied by the RIB \(Loc-RIB changes up to \d+\), in every table\n$/)]);
    expect((await runDpp('fib', 'lookup', 'ipn:200.8.1', '--config', esa)).status).toBe(0);
    // Observability: the DSN's session service counts its two established sessions, every service is ready, and
    // the gRPC health service on the DSN's DPP port answers SERVING.
    const dsnSession = metricsOf('dsn.example.test/session');
    const scraped = await (await fetch(`${dsnSession}/metrics`)).text();
    expect(scraped).toContain('dpp_sessions{state="ESTABLISHED",peer="esa.example.test"} 1');
    expect(scraped).toContain('dpp_sessions{state="ESTABLISHED",peer="mars.example.test"} 1');
    expect(scraped).toMatch(/^dpp_updates_received_total\{peer="mars\.example\.test"\} [1-9]/m);
    for (const service of ['dsn.example.test/session', 'dsn.example.test/rib', 'dsn.example.test/policy', 'esa.example.test/fib-export']) expect((await fetch(`${metricsOf(service)}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${metricsOf('esa.example.test/rib')}/metrics`)).text()).toMatch(/^dpp_rib_best_routes\{peer="dsn\.example\.test"\} 4$/m);
    expect(await (await fetch(`${metricsOf('esa.example.test/fib-export')}/metrics`)).text()).toMatch(/^dpp_fib_lag_messages\{gateway="esa-gw"\} 0$/m);
    expect(await healthOf(data)).toBe('SERVING');
    // Every metric the shipped alert rules and dashboard name is one the services serve (the Hardy feed's: test/integration/hardy-feed.test.ts).
    const served = new Set<string>();
    for (const [, url] of out.matchAll(/^\S+\/(?:rib|policy|session|fib-export)\s+\d+\s+(http:\/\/\S+)\/metrics/gm)) for (const name of familiesOf(await (await fetch(`${url}/metrics`)).text())) served.add(name);
    expect([...metricsNamedByDeploy()].filter((name) => !name.startsWith('dpp_hardy_') && !served.has(name))).toEqual([]);
    expect(served).toContain('dpp_session_start_time_seconds');
    const ended = new Promise<number | null>((resolve) => up!.once('exit', resolve));
    const before = out.length;
    process.kill(-up.pid!, 'SIGINT');
    expect(await ended).toBe(0);
    up = undefined;
    // The services stopped, then NATS and the DNS lab, quietly: nothing exited on its own, nothing restarted.
    expect(out.slice(before).trim().split('\n')).toEqual(['stopping...', 'stopped']);
    expect(pids.filter(alive)).toEqual([]);

    // A second run goes on from the first's state, and says so; --fresh starts from nothing.
    for (const [args, first] of [[[], `dpp up: data in ${data}, kept from an earlier run`], [['--fresh'], `dpp up: data in ${data} (fresh)`]] as const) {
      const again = spawn(process.execPath, ['bin/dpp.js', 'up', '--data', data, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      up = again;
      let said = '';
      let complained = '';
      again.stdout!.on('data', (c: Buffer) => (said += c.toString()));
      again.stderr!.on('data', (c: Buffer) => (complained += c.toString()));
      await stackUp(again, () => said + complained, 'the stack up again');
      expect(said.split('\n')[0]).toContain(first);
      // The gateway hears of Mars's route again either way: from the kept streams, or from the fresh ones.
      await until("Mars's route at ESA's gateway", () => (said.includes('gateway esa-gw: + ipn:200.*.*') ? true : undefined), { ms: 30_000 });
      // ESA's RIB resumed where the first run left it, or from nothing (its log, too, begun anew).
      const resumed = [...readFileSync(join(data, 'logs', 'esa.example.test-rib.log'), 'utf8').matchAll(/"msg":"RIB resumed","lastSeq":(\d+)/g)].map((m) => Number(m[1]));
      expect(args.length === 0 ? resumed.at(-1)! > 0 : resumed).toEqual(args.length === 0 ? true : [0]);
      const stopped = new Promise<number | null>((resolve) => again.once('exit', resolve));
      process.kill(-again.pid!, 'SIGINT');
      expect(await stopped).toBe(0);
      up = undefined;
    }
    // --fresh empties only a directory of dpp up's own.
    writeFileSync(join(data, 'notes.txt'), 'mine');
    const refused = await runDpp('up', '--data', data, '--fresh');
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining(`${data} holds notes.txt, which dpp up did not write there`)]);
    expect(readFileSync(join(data, 'notes.txt'), 'utf8')).toBe('mine');
  }, 300_000);
});
