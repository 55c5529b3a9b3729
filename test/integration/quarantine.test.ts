import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeLocRibChanges, encodeRibInput, type PeerEvent } from '#libs/events';
import { GatewayFib } from '#libs/gateway-client';
import { LocRib, type RibEvent } from '#libs/rib';
import { ensureStream, readLog } from '#libs/streams';
import { keyOf, readTable, tableSubject, TableWriter } from '#libs/tables';
import { peerMessageCodec } from '#libs/wire';
import { until } from '#libs/lab';
import { startFibExport } from '../../services/fib-export/src/fib-exporter.ts';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';

type Line = Record<string, unknown>;

/**
 * Issue 9: an event read back that is corrupt or of a version this code does not know (a newer
 * writer, a bad disk, a hand-made publish) is quarantined by every consumer of the logs: one
 * error line naming the stream, the sequence and what is wrong; nothing of it applied; the
 * events after it applied as usual, by a consumer that keeps running.
 */
describe('events that cannot be read are quarantined, not applied, and do not stop the consumer', () => {
  let nc: NatsConnection;
  const id = randomUUID().slice(0, 8);
  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
  });
  afterAll(() => nc?.close());

  /** A log with `bad` between good events; returns the consumer's log lines. */
  const stream = async (name: string, subject: string, messages: readonly string[]) => {
    await ensureStream(nc, { name, subjects: [`${subject}.>`], duplicateWindowMs: 120_000 });
    for (const m of messages) await jetstream(nc).publish(`${subject}.x`, m);
  };
  const quarantined = (lines: readonly Line[]) => lines.filter((l) => String(l['msg']).includes('quarantined'));
  const update = (n: number, allocator: number): PeerEvent => ({
    v: 1,
    kind: 'route-update',
    sessionId: 's',
    n,
    speakerId: 'dtn://us',
    peerAd: 'a.org',
    peerSpeakerId: 'dtn://a.org',
    receivedAt: 1,
    sequenceNumber: String(n),
    message: peerMessageCodec().encode({ sequence_number: String(n), update: { announcements: [{ patterns: [{ ipn: { allocator_id: allocator, is_wildcard: true } }], ad_path: ['a.org'] }] } }).toString('base64'),
  });

  it('the import stage: peer events of another version, not JSON, without a field, or with bytes that are no PeerMessage', async () => {
    const [peers, rib] = [`QP_${id}`, `QR_${id}`];
    await stream(peers, `qp.${id}`, [
      JSON.stringify(update(1, 1)),
      JSON.stringify({ ...update(2, 2), v: 2 }),
      '{"v":1,"kind":"route-upd',
      JSON.stringify({ ...update(3, 3), peerAd: undefined }),
      JSON.stringify({ ...update(4, 4), message: Buffer.from('not a PeerMessage at all').toString('base64') }),
      JSON.stringify(update(5, 5)),
    ]);
    await ensureStream(nc, { name: rib, subjects: [`qr.${id}.>`], duplicateWindowMs: 120_000 });
    const lines: Line[] = [];
    const stage = await startImportStage(nc, { peerStream: peers, ribStream: rib, ribSubject: `qr.${id}.verdict`, restartMs: 0, batch: 2, log: (l) => lines.push(l) });
    try {
      await until('the good events imported', () => (stage.position() >= 6 ? true : undefined));
      expect(quarantined(lines).map((l) => [l['level'], l['msg'], l['stream'], l['seq']])).toEqual([2, 3, 4, 5].map((seq) => ['error', 'peer event quarantined', peers, seq]));
      expect(quarantined(lines).map((l) => String(l['error']))).toEqual([expect.stringContaining('"v"'), expect.stringMatching(/JSON/i), expect.stringContaining('peerAd'), expect.any(String)]);
      const verdicts: string[] = [];
      for await (const m of readLog(nc, rib)) verdicts.push(m.headers?.get('Nats-Msg-Id') ?? '');
      expect(verdicts).toEqual(['import-1', 'import-6']);
      // Still running: the next good event is imported.
      await jetstream(nc).publish(`qp.${id}.x`, JSON.stringify(update(6, 6)));
      await until('a later event imported', () => (stage.position() >= 7 ? true : undefined));
    } finally {
      await stage.stop();
    }
  });

  it('the RIB: input of another version, not JSON, or missing what its type needs', async () => {
    const input = `QI_${id}`;
    const good = (allocator: number): RibEvent => ({ type: 'update', seq: 0, neighbor: 'a.org s', peerAd: 'a.org', withdrawn: [], accepted: [{ patterns: [`ipn:${allocator}.*.*`], adPath: ['a.org'], metric: 0, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] }], rejected: [] });
    await stream(input, `qi.${id}`, [encodeRibInput(good(1)), '{"v":2,"type":"clock","now":1}', 'garbage', '{"v":1,"type":"update","neighbor":"a.org s"}', encodeRibInput(good(5))]);
    await ensureStream(nc, { name: `QC_${id}`, subjects: [`qc.${id}.>`], duplicateWindowMs: 120_000 });
    const lines: Line[] = [];
    const store = CheckpointStore.open(join(mkdtempSync(join(tmpdir(), 'dpp-q-')), 'rib.sqlite'));
    const rib = await startRib(nc, store, { localAd: 'us.org', inputStream: input, clockSubject: `qi.${id}.clock`, changeSubject: `qc.${id}.change`, changeStream: `QC_${id}`, batch: 2, catchUpMs: 1_000, now: Date.now, log: (l) => lines.push(l) });
    try {
      await until('the good events applied', () => (rib.rib().lastSeq >= 5 ? true : undefined));
      expect(quarantined(lines).map((l) => [l['level'], l['msg'], l['seq']])).toEqual([2, 3, 4].map((seq) => ['error', 'RIB input quarantined: not a valid v1 event', seq]));
      expect([rib.rib().size, rib.rib().best('ipn:1.*.*')?.peerAd, rib.rib().best('ipn:5.*.*')?.peerAd, rib.rib().now]).toEqual([2, 'a.org', 'a.org', 0]);
      await jetstream(nc).publish(`qi.${id}.x`, encodeRibInput(good(6)));
      await until('a later event applied', () => (rib.rib().size === 3 ? true : undefined));
    } finally {
      await rib.stop();
      store.close();
    }
  });

  it('the FIB export and the gateway: changes and FIB entries that do not decode', async () => {
    const changes = `QF_${id}`;
    const source = new LocRib('us.org');
    const changesOf = (allocator: number) =>
      encodeLocRibChanges(source.apply({ type: 'update', seq: allocator, neighbor: 'a.org s', peerAd: 'a.org', withdrawn: [], accepted: [{ patterns: [`ipn:${allocator}.*.*`], adPath: ['a.org'], metric: 0, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] }], rejected: [] }));
    const first = changesOf(1);
    const unknownVersion = JSON.stringify({ ...JSON.parse(changesOf(2)), v: 4 });
    await stream(changes, `qf.${id}`, [first, unknownVersion, '[1,2', changesOf(4)]);
    const lines: Line[] = [];
    const prefix = `qfib-${id}`;
    const exporter = await startFibExport(nc, { changeStream: changes, gateways: [{ name: 'gw', fromPeers: undefined, schemes: undefined }], bucketPrefix: prefix, batch: 2, log: (l) => lines.push(l) });
    try {
      await until('the good changes exported', async () => ((await readTable(nc, `${prefix}-gw`)).size === 2 ? true : undefined));
      expect(quarantined(lines).map((l) => [l['level'], l['msg'], l['seq']])).toEqual([2, 3].map((seq) => ['error', 'Loc-RIB changes quarantined: not valid changes of a known version', seq]));
      expect([...(await readTable(nc, `${prefix}-gw`)).keys()].sort()).toEqual([keyOf('ipn:1.*.*', undefined), keyOf('ipn:4.*.*', undefined)].sort());
      // The exporter goes on after them: a later change is exported, and they are not reported again.
      await jetstream(nc).publish(`qf.${id}.x`, changesOf(5));
      await until('a later change exported', async () => ((await readTable(nc, `${prefix}-gw`)).has(keyOf('ipn:5.*.*', undefined)) ? true : undefined));
      expect(quarantined(lines)).toHaveLength(2);

      // A gateway meets an entry that does not decode, and a message that is no table message: it says so and keeps the rest.
      await (await TableWriter.open(nc, `${prefix}-gw`, { log: () => undefined })).append([{ id: 'bad-entry', deltas: [{ key: keyOf('ipn:7.*.*', undefined), value: 'not a FIB entry' }] }]);
      await jetstream(nc).publish(tableSubject(`${prefix}-gw`, 'd'), 'not a table message');
      const errors: string[] = [];
      const fib = await GatewayFib.open(nc, { gateway: 'gw', bucketPrefix: prefix, onError: (e) => errors.push(e) });
      try {
        expect(fib.size).toBe(3);
        expect(fib.lookup('ipn:4.1.0')?.peerAd).toBe('a.org');
        expect(errors).toEqual([expect.stringMatching(/^revision \d+: /), expect.stringMatching(/^message \d+: not a table message of version 1/)]);
      } finally {
        await fib.close();
      }
    } finally {
      await exporter.stop();
    }
  });
});
