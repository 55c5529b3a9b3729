import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRibInput } from '#libs/events';
import { nextHopOf, type GatewaySpec } from '#libs/fib-export';
import { GatewayFib } from '#libs/gateway-client';
import type { AcceptedAdvertisement, RibEvent } from '#libs/rib';
import { ensureStream } from '#libs/streams';
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
});
