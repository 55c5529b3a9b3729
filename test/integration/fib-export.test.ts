import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRibInput } from '#libs/events';
import { nextHopOf, type GatewaySpec } from '#libs/fib-export';
import { GatewayFib } from '#libs/gateway-client';
import type { AcceptedAdvertisement, RibEvent } from '#libs/rib';
import { STATE_BUCKET } from '#libs/service-config';
import { ensureStream } from '#libs/streams';
import { tableBucket } from '#libs/tables';
import { startFibExport } from '../../services/fib-export/src/fib-exporter.ts';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { advertised, updateEvent } from '../../libs/rib/test/routes.ts';
import { type NatsServer, startNatsServer, until } from '#libs/lab';

const US = 'us.example.test';
const ALL: GatewaySpec = { name: 'all', fromPeers: undefined, schemes: undefined };
const ONLY_A: GatewaySpec = { name: 'only-a', fromPeers: ['a.example.test'], schemes: ['ipn'] };

/**
 * design.md property 6 with real parts: RIB input in, the RIB, the FIB exporter, gateways reading
 * their KV buckets; a nats-server of its own, restarted mid-stream.
 */
describe('FIB export to gateways', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  const stops: (() => Promise<void>)[] = [];
  let ribView: () => string[];
  let seq = 0;
  const log = () => undefined;
  const connectForever = () => connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  /** As the import stage would: with a message id, tried again while JetStream comes back after a restart. */
  const verdict = async (event: RibEvent) => {
    const id = `v-${event.seq}`;
    await until(`verdict ${id} stored`, () => jetstream(nc).publish('rib.verdict', encodeRibInput(event), { msgID: id, timeout: 2_000 }), { ms: 20_000 });
  };
  const announce = (neighbor: string, accepted: AcceptedAdvertisement[]) => verdict(updateEvent(++seq, neighbor, [], accepted));
  const withdraw = (neighbor: string, pattern: string) => verdict(updateEvent(++seq, neighbor, [{ pattern }], []));
  const view = (fib: GatewayFib) => fib.entries().map((e) => `${e.pattern} via ${e.nextHop}`);

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectForever();
    await ensureStream(nc, { name: 'RIB', subjects: ['rib.>'], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: 'LOCRIB', subjects: ['locrib.>'], duplicateWindowMs: 120_000 });
    const store = CheckpointStore.open(join(mkdtempSync(join(tmpdir(), 'dpp-fib-')), 'rib.sqlite'));
    const rib = await startRib(nc, store, { localAd: US, inputStream: 'RIB', clockSubject: 'rib.clock', changeSubject: 'locrib.change', changeStream: 'LOCRIB', batch: 16, catchUpMs: 60_000, now: Date.now, log });
    stops.push(async () => (await rib.stop(), store.close()));
    ribView = () => [...rib.rib().entries()].map(([pattern, best]) => `${pattern} via ${nextHopOf(best)}`);
    const exporter = await startFibExport(nc, { changeStream: 'LOCRIB', gateways: [ALL, ONLY_A], bucketPrefix: 'fib', batch: 16, log });
    stops.push(exporter.stop);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await nc?.close();
    await nats?.stop();
  });

  it('gives a late gateway, one that lived through a nats-server restart, and the Loc-RIB the same table', async () => {
    const early = await GatewayFib.open(await connectForever(), { gateway: 'all', bucketPrefix: 'fib' });
    await announce('a.example.test', [advertised('a.example.test', ['ipn:100.*.*', 'ipn:101.*.*', 'dtn://rover.example.test/**'])]);
    await announce('b.example.test', [advertised('b.example.test', ['ipn:100.*.*', 'ipn:200.*.*'], { adPath: ['b.example.test', 'x.example.test'], gatewayEid: 'ipn:5.0' })]);
    await until('the first routes at the early gateway', () => (early.size === 4 ? true : undefined));
    // §6.7: no gateway_eid: the peer's AD as dtn://<name>/; with one: as given.
    expect(early.lookup('ipn:100.7.0')?.nextHop).toBe('dtn://a.example.test/');
    expect(early.lookup('ipn:200.1.0')?.nextHop).toBe('ipn:5.0');
    expect(early.lookup('ipn:300.1.0')).toBeUndefined();

    await nats.restart();
    await withdraw('a.example.test', 'ipn:100.*.*');
    for (let i = 0; i < 50; i++) await announce('a.example.test', [advertised('a.example.test', `ipn:${1000 + i}.*.*`)]);
    await withdraw('a.example.test', 'ipn:1000.*.*');

    const late = await GatewayFib.open(await connectForever(), { gateway: 'all', bucketPrefix: 'fib' });
    const onlyA = await GatewayFib.open(await connectForever(), { gateway: 'only-a', bucketPrefix: 'fib' });
    // The RIB's own view once it has applied everything: every best route, with its §6.7 next hop.
    const expected = await until('the RIB to apply every verdict', () => (ribView().length === 53 && !ribView().some((l) => l.startsWith('ipn:1000.')) ? ribView() : undefined), { ms: 30_000 });
    for (const fib of [early, late]) await until('the gateway to hold the Loc-RIB', () => (view(fib).join() === expected.join() ? true : undefined), { ms: 30_000 });
    expect(expected).toContain('ipn:100.*.* via ipn:5.0');
    expect(expected).not.toContain('ipn:1000.*.* via dtn://a.example.test/');
    await until('the filtered gateway', () => (onlyA.size === 50 ? true : undefined));
    expect(view(onlyA).every((line) => line.startsWith('ipn:') && line.endsWith('via dtn://a.example.test/'))).toBe(true);
    expect(early.revision).toBe(late.revision);
    for (const fib of [early, late, onlyA]) await fib.close();
  }, 60_000);

  it('holds a scheduled route in the FIB from when it is known, forwards by it inside its window only, and takes it out when it ends', async () => {
    const changes: { pattern: string; present: boolean; at: number }[] = [];
    const fib = await GatewayFib.open(await connectForever(), {
      gateway: 'all',
      bucketPrefix: 'fib',
      onChange: ({ pattern, entry }) => pattern === 'ipn:77.*.*' && changes.push({ pattern, present: entry !== undefined, at: Date.now() }),
    });
    const from = Date.now() + 3_000;
    await announce('a.example.test', [advertised('a.example.test', 'ipn:77.*.*', { validFrom: from, validUntil: from + 1_000 })]);
    // Ahead of its window: the gateway holds it with the window, and forwards by it only inside.
    await until('the entry ahead of its window', () => (changes.length === 1 ? true : undefined), { ms: 15_000 });
    expect(changes[0]).toMatchObject({ present: true });
    expect(changes[0]!.at).toBeLessThan(from);
    expect(fib.lookup('ipn:77.1.0', from - 1)).toBeUndefined();
    expect(fib.lookup('ipn:77.1.0', from)).toMatchObject({ pattern: 'ipn:77.*.*', validFrom: from, validUntil: from + 1_000 });
    expect(fib.lookup('ipn:77.1.0', from + 1_000)).toBeUndefined();
    await until('the window to end', () => (changes.length === 2 ? true : undefined), { ms: 15_000 });
    // Out when the RIB records the end, never before: its recorded clock never runs ahead of the edge.
    expect(changes[1]).toMatchObject({ present: false });
    expect(changes[1]!.at).toBeGreaterThanOrEqual(from + 1_000);
    expect(fib.entries().filter((e) => e.pattern === 'ipn:77.*.*')).toEqual([]);
    await fib.close();
  }, 30_000);

  it('builds the table of a gateway added later from the Loc-RIB change stream, and rebuilds it when its spec changes', async () => {
    const added: GatewaySpec = { name: 'added', fromPeers: ['b.example.test'], schemes: undefined };
    const second = await startFibExport(nc, { changeStream: 'LOCRIB', gateways: [added], bucketPrefix: 'fib', batch: 16, log });
    const fib = await GatewayFib.open(await connectForever(), { gateway: 'added', bucketPrefix: 'fib' });
    expect(view(fib)).toEqual(['ipn:100.*.* via ipn:5.0', 'ipn:200.*.* via ipn:5.0']);
    await second.stop();
    // Now it is to have a's routes instead: the rebuild removes b's and adds a's.
    const changed = await startFibExport(nc, { changeStream: 'LOCRIB', gateways: [{ ...added, fromPeers: ['a.example.test'], schemes: ['dtn'] }], bucketPrefix: 'fib', batch: 16, log });
    await until('the rebuilt table', () => (view(fib).join() === 'dtn://rover.example.test/** via dtn://a.example.test/' ? true : undefined));
    await changed.stop();
    // And back, within the duplicate window: the first spec's table again, not taken for a duplicate.
    const back = await startFibExport(nc, { changeStream: 'LOCRIB', gateways: [added], bucketPrefix: 'fib', batch: 16, log });
    await until('the first table again', () => (view(fib).join() === 'ipn:100.*.* via ipn:5.0,ipn:200.*.* via ipn:5.0' ? true : undefined));
    await back.stop();
    await fib.close();
  }, 30_000);

  it("has two exporters of one gateway (active-active) move its position forward only, each past the other's writes, and never take back one written further", async () => {
    const lines: Record<string, unknown>[] = [];
    const replica = () => startFibExport(nc, { changeStream: 'LOCRIB', gateways: [ALL], bucketPrefix: 'fib-aa', batch: 2, log: (line) => lines.push(line) });
    const replicas = [await replica(), await replica()];
    const state = await new Kvm(nc).open(tableBucket('fib-aa', STATE_BUCKET));
    const stored = async () => Number((await state.get(`position.${ALL.name}`))?.string());
    const end = async () => (await (await jetstreamManager(nc)).streams.info('LOCRIB')).state.last_seq;
    const allAt = async (seq: number) => {
      const at = [await stored(), ...replicas.map((r) => r.positions().get(ALL.name))];
      // Thrown, so that a timeout says where each stood.
      if (!at.every((p) => p === seq)) throw new Error(`positions (stored, each replica): ${at.join(', ')}; waiting for ${seq}`);
      return true;
    };
    try {
      for (let i = 0; i < 12; i++) await announce('a.example.test', [advertised('a.example.test', `ipn:300.${i}.*`)]);
      await until('both replicas and the bucket at the change stream end', async () => allAt(await end()), { ms: 20_000 });
      // A third writer (a replica further on) puts the position ahead: neither takes it back when it passes its next batch.
      const ahead = (await end()) + 1_000;
      await state.put(`position.${ALL.name}`, String(ahead));
      await announce('a.example.test', [advertised('a.example.test', 'ipn:300.99.*')]);
      await until('both replicas at the position written ahead', () => allAt(ahead), { ms: 20_000 });
      // Each conflict was read past, not failed as a batch and resumed.
      expect(lines.filter((line) => line['level'] === 'warn' && String(line['msg']).startsWith('batch not applied'))).toEqual([]);
    } finally {
      for (const r of replicas) await r.stop();
    }
  }, 60_000);
});
