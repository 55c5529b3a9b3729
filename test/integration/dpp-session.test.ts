import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_SVC_PARAMS, generateAdKey, svcbZoneLine, writeKeyFiles } from '#libs/identity';
import type { PeerEvent } from '#libs/events';
import { type DnsLab, startDnsLab, startTlsLab, type TlsLab, until } from '#libs/lab';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The operator's path: two `dpp session --config FILE` processes peer, then stop on SIGTERM. */
describe('dpp session', () => {
  let dns: DnsLab;
  let tls: TlsLab;
  let dir: string;
  let nc: NatsConnection;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-session-'));
    tls = startTlsLab();
    const [dsnKey, marsKey] = [await generateAdKey(), await generateAdKey()];
    for (const [name, key] of [['dsn', dsnKey], ['esa', await generateAdKey()], ['mars', marsKey]] as const) {
      expect(Result.isSuccess(await writeKeyFiles(join(dir, `${name}.key`), key, false))).toBe(true);
      const { cert, key: tlsKey } = tls.issue(`${name}.example.test`);
      writeFileSync(join(dir, `${name}.crt`), cert);
      writeFileSync(join(dir, `${name}-tls.key`), tlsKey);
    }
    writeFileSync(join(dir, 'ca.crt'), tls.ca);
    dns = await startDnsLab({ signed: [svcbZoneLine('dsn.example.test', dsnKey.publicKey, DEFAULT_SVC_PARAMS), svcbZoneLine('mars.example.test', marsKey.publicKey, DEFAULT_SVC_PARAMS)], unsigned: [] });
    nc = await connect({ servers: inject('natsUrl') });
  }, 60_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await nc?.close();
    await dns?.stop();
    tls?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const speakerFile = (name: string, extra: Record<string, unknown>) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      stringify({
        ad: `${name}.example.test`,
        key_file: `${name}.key`,
        tls: { cert: `${name}.crt`, key: `${name}-tls.key`, ca: 'ca.crt' },
        dns: { resolvers: [`${dns.resolver.host}:${dns.resolver.port}`] },
        nats: { url: inject('natsUrl'), stream: `S_${name}_${process.pid}`, subject_prefix: `s.${name}.${process.pid}` },
        ...extra,
      }),
    );
    return file;
  };

  const run = (file: string) => {
    const child = spawn(process.execPath, ['bin/dpp.js', 'session', '--config', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const lines: Record<string, unknown>[] = [];
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        lines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
        buffered = buffered.slice(nl + 1);
      }
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { child, lines, exit, stderr: () => stderr };
  };

  it('peers two speakers from their config files, logs to JetStream, and stops cleanly on SIGTERM', async () => {
    const esa = run(speakerFile('esa', { listen: { host: '127.0.0.1', port: 0 }, peers: [{ ad: 'dsn.example.test' }] }));
    const listening = await until('esa listening', () => esa.lines.find((l) => l['msg'] === 'listening'), { ms: 20_000 });
    const port = listening['port'] as number;
    const dsn = run(speakerFile('dsn', { peers: [{ ad: 'esa.example.test', address: `127.0.0.1:${port}` }] }));
    for (const speaker of [esa, dsn]) {
      const up = await until('session established', () => speaker.lines.find((l) => l['msg'] === 'session established'), { ms: 20_000 });
      expect(up).toMatchObject({ level: 'info', service: 'session', peerAd: speaker === esa ? 'dsn.example.test' : 'esa.example.test' });
      expect(typeof up['session']).toBe('string');
    }
    const stopping = Date.now();
    esa.child.kill('SIGTERM');
    dsn.child.kill('SIGTERM');
    expect(await esa.exit).toBe(0);
    expect(await dsn.exit).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(8_000);
    expect(esa.lines.at(-1)).toMatchObject({ msg: 'stopped' });
    const stream = `S_esa_${process.pid}`;
    const jsm = await jetstreamManager(nc);
    const total = (await jsm.streams.info(stream)).state.messages;
    const kinds: string[] = [];
    for await (const m of await (await jetstream(nc).consumers.get(stream)).fetch({ max_messages: total, expires: 2_000 })) {
      kinds.push(m.json<PeerEvent>().kind);
      if (kinds.length === total) break;
    }
    expect(kinds).toEqual(['session-up', 'session-down']);
  }, 60_000);

  it('reloads its config on dpp config reload: a removed peer loses its session, the other keeps its own', async () => {
    const esaFile = speakerFile('esa', { listen: { host: '127.0.0.1', port: 0 }, peers: [{ ad: 'dsn.example.test' }, { ad: 'mars.example.test' }] });
    const esa = run(esaFile);
    const port = (await until('esa listening', () => esa.lines.find((l) => l['msg'] === 'listening'), { ms: 20_000 }))['port'] as number;
    const dialler = (name: string) => run(speakerFile(name, { peers: [{ ad: 'esa.example.test', address: `127.0.0.1:${port}` }], backoff: { initial_ms: 60_000, max_ms: 60_000 } }));
    const [dsn, mars] = [dialler('dsn'), dialler('mars')];
    for (const peer of ['dsn.example.test', 'mars.example.test']) await until(`${peer} up at esa`, () => esa.lines.find((l) => l['msg'] === 'session established' && l['peerAd'] === peer), { ms: 20_000 });
    speakerFile('esa', { listen: { host: '127.0.0.1', port: 0 }, peers: [{ ad: 'dsn.example.test' }] });
    const reload = spawnSync(process.execPath, ['bin/dpp.js', 'config', 'reload', esaFile], { cwd: root, encoding: 'utf8' });
    expect([reload.status, reload.stdout]).toEqual([0, `session (pid ${esa.child.pid}): SIGHUP sent\n`]);
    expect(await until('esa reloaded', () => esa.lines.find((l) => l['msg'] === 'config reloaded'))).toMatchObject({ removed: ['mars.example.test'], added: [], needsRestart: [] });
    // Mars hears why; the DSN's session goes on.
    expect(await until("mars's session closed", () => mars.lines.find((l) => l['msg'] === 'session closed'), { ms: 10_000 })).toMatchObject({ code: 30, reason: 'peer sent Notification 30: peer removed from the configuration', byPeer: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(dsn.lines.filter((l) => l['msg'] === 'session closed')).toEqual([]);
    expect(esa.lines.filter((l) => l['msg'] === 'session closed').map((l) => l['peerAd'])).toEqual(['mars.example.test']);
    // The dialling side: the DSN no longer lists ESA, so it stops dialling it and tells it why (not that it shuts down).
    const dsnFile = speakerFile('dsn', { peers: [{ ad: 'mars.example.test' }], backoff: { initial_ms: 60_000, max_ms: 60_000 } });
    expect(spawnSync(process.execPath, ['bin/dpp.js', 'config', 'reload', dsnFile], { cwd: root, encoding: 'utf8' }).status).toBe(0);
    expect(await until("dsn's session closed at esa", () => esa.lines.find((l) => l['msg'] === 'session closed' && l['peerAd'] === 'dsn.example.test'), { ms: 10_000 })).toMatchObject({
      code: 30,
      reason: 'peer sent Notification 30: peer removed from the configuration',
      byPeer: true,
    });
    // What ESA's running session service says of each now: Mars, told by us; the DSN, which told us.
    const peer = (name: string) => {
      const shown = spawnSync(process.execPath, ['bin/dpp.js', 'show', 'peers', name, '--config', esaFile, '--json'], { cwd: root, encoding: 'utf8' });
      expect(shown.stderr).toBe('');
      return JSON.parse(shown.stdout) as { sites: { accepted: boolean; sessions: unknown[]; lastNotificationSent?: { code: number; reason: string }; lastNotificationReceived?: { code: number } }[] };
    };
    expect(peer('mars.example.test').sites).toMatchObject([{ accepted: false, sessions: [], lastNotificationSent: { code: 30, reason: 'peer removed from the configuration' } }]);
    expect(peer('dsn.example.test').sites).toMatchObject([{ accepted: true, sessions: [], lastNotificationReceived: { code: 30 } }]);
    for (const p of [esa, dsn, mars]) p.child.kill('SIGTERM');
    for (const p of [esa, dsn, mars]) expect(await p.exit).toBe(0);
  }, 60_000);

  it('refuses a config with bad fields, naming the file, each field and what it expected', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, stringify({ ad: 'a..b', key_file: 'missing.key', tls: 'none', dns: { resolvers: [] }, nats: { url: 'nats://x' }, peers: [], listen: { host: 'h', port: 70000 }, colour: 'blue' }));
    const bad = run(file);
    expect(await bad.exit).toBe(1);
    expect(bad.stderr()).toContain(`${file}: tls: Expected "plaintext-lab" | object`);
    expect(bad.stderr()).toContain(`${file}: listen.port: Expected a value between 0 and 65535`);
    expect(bad.stderr()).toContain(`${file}: colour: not a field of this config: remove it, or check its spelling`);
    const fields = join(dir, 'fields.yaml');
    writeFileSync(fields, stringify({ ad: 'a..b', key_file: 'missing.key', tls: 'plaintext-lab', dns: { resolvers: ['not a resolver'] }, nats: { url: 'nats://x' }, peers: [] }));
    const second = run(fields);
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toContain(`${fields}: ad: column 3: AD "a..b": empty label`);
    expect(second.stderr()).toContain(`${fields}: dns.resolvers[0]: "not a resolver" is not HOST[:PORT]`);
    expect(second.stderr()).toMatch(new RegExp(`${fields}: key_file: .*missing.key: ENOENT`));
  });
});
