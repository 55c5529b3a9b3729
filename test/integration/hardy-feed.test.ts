import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRibInput } from '#libs/events';
import { writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { freePort, startNatsServer, startTlsLab, until, type NatsServer } from '#libs/lab';
import { Registry } from '#libs/metrics';
import type { AcceptedAdvertisement, RibEvent } from '#libs/rib';
import { ensureStream } from '#libs/streams';
import { startFibExport } from '../../services/fib-export/src/fib-exporter.ts';
import { startHardyFeed } from '../../services/fib-export/src/hardy-feed.ts';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { advertised, updateEvent } from '../../libs/rib/test/routes.ts';
import { startFakeTvr, type FakeTvr } from '../harness/fake-tvr-server.ts';
import { familiesOf, metricsNamedByDeploy } from '../harness/deploy-metrics.ts';

const US = 'us.example.test';

/**
 * The live feed into Hardy with real parts: RIB input in, the RIB, the FIB exporter, the feed
 * following the gateway's table over NATS and speaking TVR over gRPC to a TVR server of our own
 * written from the proto, which is stopped and started again on the same port.
 */
describe('the Hardy TVR feed of a gateway', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let tvr: FakeTvr;
  let port: number;
  const stops: (() => Promise<void>)[] = [];
  const registry = new Registry();
  const logged: Record<string, unknown>[] = [];
  let seq = 0;
  /** The window start of the contact to node 7, in seconds. */
  const from = Math.floor(Date.now() / 1000 + 3_600) * 1000;
  const verdict = (event: RibEvent) => jetstream(nc).publish('rib.verdict', encodeRibInput(event), { msgID: `v-${event.seq}` });
  const announce = (accepted: AcceptedAdvertisement[]) => verdict(updateEvent(++seq, 'a.example.test', [], accepted));
  const withdraw = (pattern: string) => verdict(updateEvent(++seq, 'a.example.test', [{ pattern }], []));
  const held = () => tvr.contacts().map((c) => `${c.eid_pattern} via ${c.via}${c.one_shot?.start ? ` from ${c.one_shot.start.seconds}` : ''}`).sort();
  /** Waits for Hardy to hold exactly `wanted`; on timeout says what was missing and what was held beyond it. */
  const holds = (wanted: string[]) =>
    until(`Hardy to hold ${wanted.join(', ')}`, () => {
      const now = held();
      const missing = wanted.filter((c) => !now.includes(c));
      const extra = now.filter((c) => !wanted.includes(c));
      if (missing.length === 0 && extra.length === 0 && now.length === wanted.length) return true;
      throw new Error(`missing [${missing.join(', ')}]; ${extra.length} more held (${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''})`);
    }, { ms: 20_000 });

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await ensureStream(nc, { name: 'RIB', subjects: ['rib.>'], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: 'LOCRIB', subjects: ['locrib.>'], duplicateWindowMs: 120_000 });
    const store = CheckpointStore.open(join(mkdtempSync(join(tmpdir(), 'dpp-hardy-')), 'rib.sqlite'));
    const rib = await startRib(nc, store, { localAd: US, inputStream: 'RIB', clockSubject: 'rib.clock', changeSubject: 'locrib.change', changeStream: 'LOCRIB', batch: 16, catchUpMs: 60_000, now: Date.now, log: () => undefined });
    stops.push(async () => (await rib.stop(), store.close()));
    const exporter = await startFibExport(nc, { changeStream: 'LOCRIB', gateways: [{ name: 'hardy', fromPeers: undefined, schemes: undefined }], bucketPrefix: 'fib', batch: 16, log: () => undefined });
    stops.push(exporter.stop);
    port = await freePort();
    tvr = await startFakeTvr(port);
    const feed = await startHardyFeed(nc, { gateway: 'hardy', bucketPrefix: 'fib', target: { address: `127.0.0.1:${port}`, tls: undefined, priority: 100 }, registry, log: (line) => logged.push(line) });
    stops.push(feed.stop);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await tvr?.stop();
    await nc?.close();
    await nats?.stop();
  });

  it('sends the table, then each change; leaves out what Hardy cannot take, saying why', async () => {
    await announce([
      advertised('a.example.test', ['ipn:100.*.*', 'dtn://rover.example.test/**'], { gatewayEid: 'dtn://gw.a.example.test' }),
      advertised('a.example.test', 'ipn:0.7.*', { gatewayEid: 'ipn:7.0', validFrom: from, validUntil: from + 600_000, bandwidthBps: '256000' }),
      advertised('a.example.test', 'ipn:5.*.*', { gatewayEid: 'ipn:0.5' }),
    ]);
    // The "/" Hardy wants after a dtn name is added; node 0 is no next hop Hardy takes.
    await holds(['dtn://rover.example.test/** via dtn://gw.a.example.test/', 'ipn:100.*.* via dtn://gw.a.example.test/', `ipn:0.7.* via ipn:7.0 from ${from / 1000}`]);
    expect(tvr.contacts().find((c) => c.eid_pattern === 'ipn:0.7.*')).toMatchObject({ bandwidth_bps: '256000', one_shot: { end: { seconds: String(from / 1000 + 600) } } });
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'route not sent to Hardy', why: expect.stringContaining('ipn:5.*.* via ipn:0.5') }));
    expect(tvr.opened).toEqual(['dpp-hardy']);
    await withdraw('ipn:100.*.*');
    await announce([advertised('a.example.test', 'ipn:200.*.*', { gatewayEid: 'ipn:2.0' })]);
    await holds(['dtn://rover.example.test/** via dtn://gw.a.example.test/', `ipn:0.7.* via ipn:7.0 from ${from / 1000}`, 'ipn:200.*.* via ipn:2.0']);
    expect(tvr.requests.filter((r) => r === 'replace')).toHaveLength(1);
    expect(await registry.render()).toMatch(/dpp_hardy_contacts\{gateway="hardy"\} 3\n/);
    // Announced again as it was: its FIB entry changes (another cause), its contact does not, so Hardy is told nothing of it.
    const before = tvr.requests.length;
    await announce([advertised('a.example.test', 'ipn:200.*.*', { gatewayEid: 'ipn:2.0' })]);
    await announce([advertised('a.example.test', 'ipn:300.*.*', { gatewayEid: 'ipn:3.0' })]);
    await holds(['dtn://rover.example.test/** via dtn://gw.a.example.test/', `ipn:0.7.* via ipn:7.0 from ${from / 1000}`, 'ipn:200.*.* via ipn:2.0', 'ipn:300.*.* via ipn:3.0']);
    expect(tvr.requests.slice(before).filter((r) => r !== 'add')).toEqual([]);
    await withdraw('ipn:300.*.*');
    // The Hardy metrics the shipped alert rules and dashboard name are the feed's.
    const served = familiesOf(await registry.render());
    expect([...metricsNamedByDeploy()].filter((name) => name.startsWith('dpp_hardy_') && !served.has(name))).toEqual([]);
  });

  it('sends the whole table again when Hardy comes back, with what changed while it was gone', async () => {
    await tvr.stop();
    await until('the feed to see Hardy gone', async () => ((await registry.render()).includes('dpp_hardy_connected{gateway="hardy"} 0') ? true : undefined), { ms: 10_000 });
    await withdraw('dtn://rover.example.test/**');
    tvr = await startFakeTvr(port);
    await holds([`ipn:0.7.* via ipn:7.0 from ${from / 1000}`, 'ipn:200.*.* via ipn:2.0']);
    expect(tvr.opened).toEqual(['dpp-hardy']);
    expect(tvr.requests[0]).toBe('open');
    expect(tvr.requests[1]).toBe('replace');
    expect(await registry.render()).toMatch(/dpp_hardy_sessions_total\{gateway="hardy"\} 2\n/);
  });

  it("sends a table of more than one request's worth in parts: a replace of the first, adds of the rest; a withdrawal of all of it in removes", async () => {
    const many = Array.from({ length: 10_050 }, (_, i) => `ipn:300.${i}.*`);
    await announce([advertised('a.example.test', many, { gatewayEid: 'ipn:3.0' })]);
    await until('Hardy to hold the 10,052 routes', () => (tvr.contacts().length === 10_052 ? true : undefined), { ms: 30_000 });
    // Hardy comes back: the whole table again, in parts of at most 10,000 contacts.
    await tvr.stop();
    await until('the feed to see Hardy gone', async () => ((await registry.render()).includes('dpp_hardy_connected{gateway="hardy"} 0') ? true : undefined), { ms: 10_000 });
    tvr = await startFakeTvr(port);
    await until('Hardy to hold the 10,052 routes again', () => (tvr.contacts().length === 10_052 ? true : undefined), { ms: 30_000 });
    expect(tvr.requests.slice(0, 3)).toEqual(['open', 'replace', 'add']);
    await verdict(updateEvent(++seq, 'a.example.test', many.map((pattern) => ({ pattern })), []));
    await holds([`ipn:0.7.* via ipn:7.0 from ${from / 1000}`, 'ipn:200.*.* via ipn:2.0']);
  });

  it('speaks TLS to a Hardy that asks for it, with a client certificate', async () => {
    const lab = startTlsLab();
    const dir = mkdtempSync(join(tmpdir(), 'dpp-hardy-tls-'));
    const server = lab.issue('127.0.0.1', 'serverAuth');
    const client = lab.issue('dpp-fib-export', 'clientAuth');
    writeFileSync(join(dir, 'ca.pem'), lab.ca);
    writeFileSync(join(dir, 'client.pem'), client.cert);
    writeFileSync(join(dir, 'client.key'), client.key);
    const tlsPort = await freePort();
    const secure = await startFakeTvr(tlsPort, grpc.ServerCredentials.createSsl(lab.ca, [{ private_key: server.key, cert_chain: server.cert }], true));
    const feed = await startHardyFeed(nc, { gateway: 'hardy', bucketPrefix: 'fib', target: { address: `127.0.0.1:${tlsPort}`, tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') }, priority: 100 }, log: () => undefined });
    try {
      await until('the table over TLS', () => (secure.contacts().some((c) => c.eid_pattern === 'ipn:200.*.*') ? true : undefined), { ms: 20_000 });
      expect(secure.opened).toEqual(['dpp-hardy']);
    } finally {
      await feed.stop();
      await secure.stop();
      lab.remove();
    }
  });
});
