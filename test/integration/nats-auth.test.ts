import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayFib } from '#libs/gateway-client';
import { generateAdKey } from '#libs/identity';
import { freePort, startNatsServer, until, type NatsServer } from '#libs/lab';
import { natsOptions } from '#libs/streams';
import { startPeeringLab, type PeeringLab } from '../harness/peering-lab.ts';
import { writeSpeakerConfig, writeSpeakerFiles } from '../harness/speaker-files.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECURE = join(root, 'deploy/nats/secure-node.conf');
const US = 'us.example.test';
const PEER = 'dsn.example.test';
const PASSWORDS = { session: 'pw-session', policy: 'pw-policy', rib: 'pw-rib', fib: 'pw-fib', gateway: 'pw-gateway', web: 'pw-web', operator: 'pw-operator' };

/** deploy/nats/secure-node.conf as shipped: TLS, a user per service with its subjects only, a speaker's services (and its looking glass) each as its user. */
describe('a speaker on the secured nats-server (deploy/nats/secure-node.conf)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-nats-auth-'));
  let lab: PeeringLab;
  let nats: NatsServer;
  let config = '';
  let port = 0;
  let webPort = 0;
  const children: ChildProcess[] = [];
  const logs: Record<string, string> = {};
  /** A connection as `user`, over TLS checked against the lab's CA. */
  const as = (user: keyof typeof PASSWORDS): Promise<NatsConnection> =>
    connect({ ...natsOptions(`tls://dpp-${user}:${PASSWORDS[user]}@127.0.0.1:${nats.port}`), tls: { ca: lab.tls.ca.toString() } });
  const urlOf = (user: keyof typeof PASSWORDS) => `tls://dpp-${user}:${PASSWORDS[user]}@127.0.0.1:${nats.port}`;

  beforeAll(async () => {
    lab = await startPeeringLab(US, PEER);
    // nats.js checks a loopback server's certificate against the name localhost.
    const server = lab.tls.issue('localhost', 'serverAuth');
    writeFileSync(join(dir, 'nats.crt'), server.cert);
    writeFileSync(join(dir, 'nats.key'), server.key, { mode: 0o600 });
    writeFileSync(join(dir, 'nats-ca.crt'), lab.tls.ca);
    Object.assign(process.env, {
      DPP_NATS_TLS_CERT: join(dir, 'nats.crt'),
      DPP_NATS_TLS_KEY: join(dir, 'nats.key'),
      DPP_NATS_TLS_CA: join(dir, 'nats-ca.crt'),
      DPP_NATS_SESSION_PASSWORD: PASSWORDS.session,
      DPP_NATS_POLICY_PASSWORD: PASSWORDS.policy,
      DPP_NATS_RIB_PASSWORD: PASSWORDS.rib,
      DPP_NATS_FIB_PASSWORD: PASSWORDS.fib,
      DPP_NATS_GATEWAY_PASSWORD: PASSWORDS.gateway,
      DPP_NATS_WEB_PASSWORD: PASSWORDS.web,
      DPP_NATS_OPERATOR_PASSWORD: PASSWORDS.operator,
    });
    nats = await startNatsServer({ config: SECURE, args: ['-m', String(await freePort())] });
    await writeSpeakerFiles(dir, 'us', US, await generateAdKey(), lab.tls);
    port = await freePort();
    webPort = await freePort();
    config = writeSpeakerConfig(dir, { ad: US, peer: PEER, natsUrl: `tls://127.0.0.1:${nats.port}`, port, resolver: lab.dns.resolver, extra: { web: { port: webPort } } });
    // Each service as its own user (DPP_NATS_URL overrides nats.url), trusting the lab's CA as an operator's NODE_EXTRA_CA_CERTS does.
    for (const [service, user] of [['session', 'session'], ['policy', 'policy'], ['rib', 'rib'], ['fib-export', 'fib'], ['web', 'web']] as const) {
      const child = spawn(process.execPath, ['bin/dpp.js', service, '--config', config], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DPP_NATS_URL: urlOf(user), NODE_EXTRA_CA_CERTS: join(dir, 'nats-ca.crt') } });
      logs[service] = '';
      child.stdout!.on('data', (c: Buffer) => (logs[service] += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (logs[service] += c.toString()));
      children.push(child);
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode === null ? c.once('exit', resolve) : resolve(undefined)))));
    await nats?.stop();
    await lab?.stop();
  });

  it('carries a route from the peer to a gateway reading as its read-only user, and refuses what a user may not do', async () => {
    const gatewayNc = await as('gateway');
    try {
      const fib = await until('the gateway table', () => GatewayFib.open(gatewayNc, { gateway: 'gw' }).catch(() => undefined), { ms: 30_000 });
      const peer = await until('the session service', () => lab.establishedPeer(port).catch(() => undefined), { ms: 30_000 });
      peer.send({ update: { announcements: [{ patterns: [{ ipn: { allocator_id: 7, node_id: 1 } }], ad_path: [PEER] }] } });
      await until('the route at the gateway', () => (fib.lookup('ipn:7.1.1') ? true : undefined), { ms: 30_000 }).catch((error: Error) => {
        throw new Error(`${error.message}\n${Object.entries(logs).map(([s, l]) => `--- ${s}\n${l.split('\n').filter((line) => /warn|error|iolation/i.test(line)).slice(-5).join('\n')}`).join('\n')}`);
      });
      expect(fib.lookup('ipn:7.1.1')).toMatchObject({ pattern: 'ipn:7.1.*', peerAd: PEER });
      // The operator's dpp command, as its user, asks the running RIB.
      const shown = spawnSync(process.execPath, ['bin/dpp.js', 'show', 'routes', 'ipn:7.1.*', '--config', config, '--json'], { cwd: root, encoding: 'utf8', env: { ...process.env, DPP_NATS_URL: urlOf('operator'), NODE_EXTRA_CA_CERTS: join(dir, 'nats-ca.crt') } });
      expect([shown.status, shown.stdout]).toEqual([0, expect.stringContaining('"pattern":"ipn:7.1.*"')]);
      // The looking glass, as its read-only user, finds it too, and reads the log for the past.
      const found = await until('the looking glass up', () => fetch(`http://127.0.0.1:${webPort}/api/routes?q=ipn:7.1`).then((r) => r.json() as Promise<{ routes: { routes: { pattern: string }[] } }>).catch(() => undefined), { ms: 30_000 });
      expect(found.routes.routes.map((r) => r.pattern)).toEqual(['ipn:7.1.*']);
      const past = (await (await fetch(`http://127.0.0.1:${webPort}/api/travel?at=${new Date().toISOString()}`)).json()) as { routes: { routes: { pattern: string }[] } };
      expect(past.routes.routes.map((r) => r.pattern)).toEqual(['ipn:7.1.*']);
      await fib.close();
      peer.close();
    } finally {
      await gatewayNc.close();
    }
    // No service logged a permission it lacked.
    for (const [service, log] of Object.entries(logs)) expect([service, /permissions? violation/i.test(log)]).toEqual([service, false]);
    // Nor may the looking glass's user ask for an operator's action (a peer reset).
    const web = await as('web');
    try {
      await expect(web.request(`dpp.api.${US.replaceAll('.', '_')}.session.admin`, JSON.stringify({ peer: PEER, action: 'reset' }), { timeout: 2_000 })).rejects.toThrow(/permission|timeout|no responders/i);
    } finally {
      await web.close();
    }
    // The session service's user may not write the Loc-RIB, nor a gateway's user a table, nor the looking glass's the peer log.
    for (const [user, subject] of [['session', 'dpp_loc_rib.change'], ['gateway', 'table.dpp-fib-gw.d'], ['web', 'dpp.peer.peer-admin.dsn_example_test']] as const) {
      const nc = await as(user);
      try {
        await expect(jetstream(nc).publish(subject, 'x', { timeout: 2_000 })).rejects.toThrow(/permission|timeout/i);
      } finally {
        await nc.close();
      }
    }

  }, 120_000);
});
