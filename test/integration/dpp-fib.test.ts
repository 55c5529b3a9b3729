import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { fromIonContacts } from '#libs/fib-export';
import { ensureStream } from '#libs/streams';
import { startFibExport } from '../../services/fib-export/src/fib-exporter.ts';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { jsonLines, runDpp } from '../harness/dpp-process.ts';
import { until } from '#libs/lab';

const US = 'us.example.test';
const HOUR = 3_600_000;
/** ION's absolute time form. */
const ionTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', '-');

/** `dpp contacts import` and `dpp fib show|lookup|export` against a running RIB and FIB export. */
describe('dpp contacts and dpp fib', () => {
  let nc: NatsConnection;
  const id = randomUUID().slice(0, 8);
  const names = { input: `FI_${id}`, changes: `FC_${id}`, prefix: `f${id}` };
  const dir = mkdtempSync(join(tmpdir(), 'dpp-fibcli-'));
  const stops: (() => Promise<void>)[] = [];
  const now = Date.now();
  // A pass open now from our node 1 to node 7, one tomorrow to node 12, and one between two other nodes.
  const plan = [
    `a contact ${ionTime(now - HOUR)} ${ionTime(now + HOUR)} 1 7 32000`,
    `a contact ${ionTime(now + 24 * HOUR)} ${ionTime(now + 25 * HOUR)} 1 12 1000`,
    'a contact +0 +600 7 12 1000',
  ].join('\n');
  const fib = (...args: string[]) => runDpp('fib', ...args, '--gateway', 'gs', '--bucket-prefix', names.prefix, '--nats', inject('natsUrl'));

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    await ensureStream(nc, { name: names.input, subjects: [`${names.input.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: names.changes, subjects: [`${names.changes.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
    const store = CheckpointStore.open(join(dir, 'rib.sqlite'));
    const rib = await startRib(nc, store, { localAd: US, inputStream: names.input, clockSubject: `${names.input.toLowerCase()}.clock`, changeSubject: `${names.changes.toLowerCase()}.change`, changeStream: names.changes, batch: 16, catchUpMs: 60_000, now: Date.now, log: () => undefined });
    stops.push(async () => (await rib.stop(), store.close()));
    const exporter = await startFibExport(nc, { changeStream: names.changes, gateways: [{ name: 'gs', fromPeers: undefined, schemes: undefined }], bucketPrefix: names.prefix, batch: 16, log: () => undefined });
    stops.push(exporter.stop);
    writeFileSync(join(dir, 'plan.ion'), plan);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await nc?.close();
  });

  it('imports a contact plan as scheduled routes that reach the gateway, and exports them again with their windows', async () => {
    // The AD, NATS, the stream, the bucket prefix and the gateway from the speaker's config file, as for every command.
    const config = join(dir, 'us.yaml');
    writeFileSync(config, stringify({ ad: US, nats: { url: inject('natsUrl') }, streams: { rib_input: names.input }, fib: { bucket_prefix: names.prefix }, gateways: [{ name: 'gs' }] }));
    const imported = await runDpp('contacts', 'import', join(dir, 'plan.ion'), '--config', config, '--local-node', '1');
    expect([imported.status, imported.stdout]).toEqual([0, '2 contacts from node 1 originated as scheduled routes; 1 between other nodes or with itself skipped\n']);

    const found = await until('the open contact in the gateway FIB', async () => {
      const run = await fib('lookup', 'ipn:0.7.1', '--json');
      return run.status === 0 ? jsonLines(run.stdout)[0] : undefined;
    });
    expect(found).toMatchObject({ eid: 'ipn:0.7.1', entry: { pattern: 'ipn:0.7.*', nextHop: 'ipn:7.0', bandwidthBps: '256000', peerAd: US } });
    // The pass of tomorrow is in the FIB already, with its window: it forwards nothing now, and node 12's bundles then.
    await until('the future contact in the gateway FIB', async () => ((await fib('show', '--json')).stdout.includes('"ipn:0.12.*"') ? true : undefined));
    const tomorrow = await fib('lookup', 'ipn:0.12.1');
    expect([tomorrow.status, tomorrow.stdout]).toEqual([1, 'ipn:0.12.1: no route\n']);
    const then = await fib('lookup', 'ipn:0.12.1', '--at', new Date(now + 24.5 * HOUR).toISOString(), '--json');
    expect(jsonLines(then.stdout)[0]).toMatchObject({ entry: { pattern: 'ipn:0.12.*', nextHop: 'ipn:12.0', bandwidthBps: '8000' } });

    const shown = await fib('show');
    expect((await runDpp('fib', 'show', '--config', config)).stdout).toBe(shown.stdout);
    expect(shown.stdout).toMatch(/^gateway gs, revision \d+: 2 entries\nPATTERN +NEXT HOP +WINDOW +BANDWIDTH +PEER +CAUSE SEQ\nipn:0\.12\.\* +ipn:12\.0 .*\nipn:0\.7\.\* +ipn:7\.0 /);
    const inForceNow = await fib('show', '--at', new Date(now).toISOString(), '--json');
    expect(jsonLines(inForceNow.stdout).map((e) => e['pattern'])).toEqual(['ipn:0.7.*']);

    // Every contact of our node, the future one included, in the ION and Hardy plans.
    const second = (ms: number) => Math.floor(ms / 1000) * 1000;
    const ion = await fib('export', '--format', 'ion', '--local-node', '1');
    const exported = fromIonContacts(ion.stdout, 0).contacts.sort((a, b) => a.to - b.to);
    // ION counts whole seconds: a start at its second, an end at the next.
    expect(exported).toEqual(fromIonContacts(plan, now).contacts.filter((c) => c.from === 1 && c.to !== 1).map((c) => ({ ...c, start: second(c.start), end: Math.ceil(c.end / 1000) * 1000 })).sort((a, b) => a.to - b.to));
    // A reload deletes before it adds: ION keeps what it had and ignores overlapping new contacts.
    expect(ion.stdout.split('\n').slice(0, 4).sort()).toEqual(['d contact * 1 12', 'd contact * 1 7', 'd range * 1 12', 'd range * 1 7']);
    // Each plan, checked against its router's grammar: nothing written, a verdict.
    for (const format of ['hardy', 'ion', 'hdtn']) {
      const checked = await fib('export', '--format', format, '--check');
      expect([checked.status, checked.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^${format}: \\d+ lines, all accepted by the ${format} grammar\n$`))]);
    }
    const hardy = await fib('export', '--format', 'hardy');
    expect(hardy.stdout).toBe(
      `ipn:0.12.* via ipn:12.0 start ${new Date(second(now + 24 * HOUR)).toISOString()} end ${new Date(second(now + 25 * HOUR)).toISOString()} bandwidth 8000\n` +
        `ipn:0.7.* via ipn:7.0 start ${new Date(second(now - HOUR)).toISOString()} end ${new Date(second(now + HOUR)).toISOString()} bandwidth 256000\n`,
    );
  }, 30_000);

  it('watches a gateway FIB: the deltas as they come, until Ctrl-C', async () => {
    const child = spawn(process.execPath, ['bin/dpp.js', 'fib', 'watch', '--gateway', 'gs', '--bucket-prefix', names.prefix, '--nats', inject('natsUrl'), '--json'], { cwd: fileURLToPath(new URL('../../', import.meta.url)) });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until('the watch to start', () => (stderr.includes('watching gateway gs') ? true : undefined));
    // A new plan without the pass to node 7: its route leaves the FIB.
    writeFileSync(join(dir, 'empty.ion'), '# no passes\n');
    expect((await runDpp('contacts', 'import', join(dir, 'empty.ion'), '--ad', US, '--local-node', '1', '--stream', names.input, '--nats', inject('natsUrl'))).status).toBe(0);
    const deleted = await until('the delete delta', () => jsonLines(stdout).find((l) => l['pattern'] === 'ipn:0.7.*' && l['entry'] === null));
    expect(deleted['revision']).toEqual(expect.any(Number));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);

  it('keeps an export file current as a live subscriber', async () => {
    const out = join(dir, 'tvr.txt');
    const child = spawn(process.execPath, ['bin/dpp.js', 'fib', 'export', '--format', 'hardy', '--out', out, '--follow', '--gateway', 'gs', '--bucket-prefix', names.prefix, '--nats', inject('natsUrl')], { cwd: fileURLToPath(new URL('../../', import.meta.url)) });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until('the file written', () => (stderr.includes(`${out} follows gateway gs`) ? true : undefined));
    // The plan with the open pass again: the file gets its line.
    expect((await runDpp('contacts', 'import', join(dir, 'plan.ion'), '--ad', US, '--local-node', '1', '--stream', names.input, '--nats', inject('natsUrl'))).status).toBe(0);
    await until('the route in the file', () => (readFileSync(out, 'utf8').includes('ipn:0.7.* via ipn:7.0 start ') ? true : undefined));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);

  it('says what is wrong with its command line and its config', async () => {
    expect((await runDpp('fib', 'show')).status).toBe(2);
    expect((await fib('export', '--format', 'bird')).stderr).toContain('--format must be hardy, ion, ion-ipn, hdtn');
    expect((await fib('export', '--format', 'ion', '--follow')).stderr).toContain('--follow needs --out FILE');
    const config = join(dir, 'fib.yaml');
    writeFileSync(config, 'ad: us.example.test\nnats: { url: "nats://127.0.0.1:1" }\ngateways:\n  - name: "a b"\n');
    const badName = await runDpp('fib-export', '--config', config);
    expect([badName.status, badName.stderr]).toEqual([1, expect.stringContaining('gateways[0].name: Expected a string matching')]);
    writeFileSync(config, 'ad: us.example.test\nnats: { url: "nats://127.0.0.1:1" }\ngateways:\n  - name: export\n  - name: gs\n  - name: gs\n');
    const clash = await runDpp('fib-export', '--config', config);
    expect(clash.stderr).toContain('gateways[0].name: "export" is the exporter\'s own bucket; choose another name');
    expect(clash.stderr).toContain('gateways[2].name: "gs" is given twice');
  }, 30_000);
});
