import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeLocRibChanges, decodeRibInput, type PeerEvent } from '#libs/events';
import { LocRib, type LocRibChange } from '#libs/rib';
import { ensureStream } from '#libs/streams';
import { peerMessageCodec, type RouteUpdate } from '#libs/wire';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { until } from '#libs/lab';

const US = 'us.example.test';

/** design.md properties 1–3 with real parts: peer events in, import, RIB, Loc-RIB changes out. */
describe('RIB service over JetStream', () => {
  let nc: NatsConnection;
  const id = randomUUID().slice(0, 8);
  const names = { peer: `P_${id}`, input: `R_${id}`, changes: `C_${id}` };
  let peerLog: PeerEventLog;
  const stops: (() => Promise<void>)[] = [];
  let n = 0;
  const checkpoint = join(mkdtempSync(join(tmpdir(), 'dpp-rib-')), 'rib.sqlite');
  const log = () => undefined;

  const peerEvent = (peerAd: string, kind: PeerEvent['kind'], update?: RouteUpdate): Promise<number> => {
    n++;
    const message = update ? { sequenceNumber: String(n), message: peerMessageCodec().encode({ sequence_number: String(n), update }).toString('base64') } : {};
    const event: PeerEvent = { v: 1, kind, sessionId: `s-${peerAd}`, n, speakerId: 'dtn://us', peerAd, peerSpeakerId: `dtn://${peerAd}`, receivedAt: Date.now(), ...message };
    return peerLog.append(event, `${id}-${n}`);
  };
  const announce = (ad: string, path: string[], extra: Record<string, unknown>[] = [], allocator = 100) =>
    peerEvent(ad, 'route-update', { announcements: [{ patterns: [{ ipn: { allocator_id: allocator, is_wildcard: true } }], ad_path: path, attributes: extra }] });

  const runRib = async () => {
    const store = CheckpointStore.open(checkpoint);
    const rib = await startRib(nc, store, { localAd: US, inputStream: names.input, clockSubject: `r.${id}.clock`, changeSubject: `c.${id}.change`, changeStream: names.changes, batch: 4, catchUpMs: 1_000, now: Date.now, log });
    return { rib: rib.rib, stop: async () => (await rib.stop(), store.close()) };
  };

  const changes = async (): Promise<LocRibChange[]> => {
    const info = await (await jetstreamManager(nc)).streams.info(names.changes);
    const got: LocRibChange[] = [];
    if (info.state.messages === 0) return got;
    for await (const m of await (await jetstream(nc).consumers.get(names.changes)).fetch({ max_messages: info.state.messages, expires: 2_000 })) {
      got.push(...Result.getOrThrow(decodeLocRibChanges(m.string())));
      if (got.length === info.state.messages) break;
    }
    return got;
  };
  const clockEvents = async () => (await (await jetstreamManager(nc)).streams.info(names.input, { subjects_filter: `r.${id}.clock` })).state.subjects?.[`r.${id}.clock`] ?? 0;
  const summary = async () => (await changes()).map((c) => `${c.pattern} ${c.best?.peerAd ?? '-'}`);

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    peerLog = await PeerEventLog.open(nc, { stream: names.peer, subjectPrefix: `p.${id}` });
    await ensureStream(nc, { name: names.input, subjects: [`r.${id}.>`], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: names.changes, subjects: [`c.${id}.>`], duplicateWindowMs: 120_000 });
    const importer = await startImportStage(nc, { peerStream: names.peer, ribStream: names.input, ribSubject: `r.${id}.verdict`, restartMs: 0, batch: 4, log });
    stops.push(importer.stop);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await nc?.close();
  });

  it('turns peer events into Loc-RIB changes, opens and closes windows on recorded clock events, and resumes from its checkpoint without repeating a change', async () => {
    const first = await runRib();
    await peerEvent('a.example.test', 'session-up');
    await announce('a.example.test', ['a.example.test', 'x.example.test']);
    await peerEvent('b.example.test', 'session-up');
    await announce('b.example.test', ['b.example.test']);
    await peerEvent('a.example.test', 'route-update', { withdrawals: [{ patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }] }] });
    const start = Date.now() + 1_500;
    const at = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
    await announce('a.example.test', ['a.example.test'], [{ valid_from: at(start) }, { valid_until: at(start + 1_500) }], 7);
    await until('the window to open and close', async () => ((await changes()).length >= 4 ? true : undefined), { ms: 15_000 });
    expect(await summary()).toEqual(['ipn:100.*.* a.example.test', 'ipn:100.*.* b.example.test', 'ipn:7.*.* a.example.test', 'ipn:7.*.* -']);
    await first.stop();

    // While the RIB is stopped, 20 windows open and close: at start it passes them all at once (more than catchUpMs late).
    const soon = Date.now() + 500;
    for (let i = 0; i < 20; i++) await announce('d.example.test', ['d.example.test'], [{ valid_from: at(soon + i * 50) }, { valid_until: at(soon + i * 50 + 25) }], 200 + i);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const clocksBefore = await clockEvents();
    const second = await runRib();
    stops.push(second.stop);
    // A corrupt event (bytes that are no PeerMessage) is quarantined; what follows it still flows.
    n++;
    await peerLog.append({ v: 1, kind: 'route-update', sessionId: 's-x', n, speakerId: 'dtn://us', peerAd: 'x.example.test', peerSpeakerId: 'dtn://x', receivedAt: Date.now(), sequenceNumber: '1', message: Buffer.from([0x07]).toString('base64') }, `${id}-${n}`);
    // A route valid for 30 more days: its edge lies beyond Node's longest timer and must not be recorded now.
    const month = Date.now() + 30 * 24 * 3600_000;
    await announce('c.example.test', ['c.example.test'], [{ valid_until: at(month) }], 8);
    await peerEvent('b.example.test', 'session-down');
    // Each of the 20 windows came (the RIB's clock was before them when it read them) and went: 40 more changes.
    await until('the session loss in the Loc-RIB', async () => ((await changes()).length >= 6 + 40 ? true : undefined), { ms: 10_000 });
    const passed = (await summary()).filter((c) => /^ipn:2\d\d\./.test(c));
    expect((await summary()).filter((c) => !passed.includes(c))).toEqual(['ipn:100.*.* a.example.test', 'ipn:100.*.* b.example.test', 'ipn:7.*.* a.example.test', 'ipn:7.*.* -', 'ipn:8.*.* c.example.test', 'ipn:100.*.* -']);
    expect(passed).toEqual([...Array.from({ length: 20 }, (_, i) => `ipn:${200 + i}.*.* d.example.test`), ...Array.from({ length: 20 }, (_, i) => `ipn:${200 + i}.*.* -`)]);
    // The 40 missed edges took one clock event, and the windows that were over left no route behind.
    expect((await clockEvents()) - clocksBefore).toBe(1);
    expect([...second.rib().entries()].filter(([pattern]) => /^ipn:2\d\d\./.test(pattern))).toEqual([]);

    // A scratch projection replaying the whole input log from sequence 1 ends where the running one is.
    const scratch = new LocRib(US);
    const input = await (await jetstreamManager(nc)).streams.info(names.input);
    const ordered = await jetstream(nc).consumers.get(names.input, { deliver_policy: DeliverPolicy.All });
    let read = 0;
    let verdicts = 0;
    for await (const m of await ordered.fetch({ max_messages: input.state.messages, expires: 2_000 })) {
      const event = decodeRibInput(m.string(), m.seq);
      if (Result.isSuccess(event)) scratch.apply(event.success);
      if (Result.isSuccess(event) && event.success.type !== 'clock') verdicts++;
      if (++read === input.state.messages) break;
    }
    expect([...scratch.entries()]).toEqual([...second.rib().entries()]);
    expect(scratch.lastSeq).toBe(second.rib().lastSeq);
    expect(scratch.now).toBeLessThanOrEqual(Date.now());
    // Every peer event but the corrupt one became a verdict, exactly once.
    expect(verdicts).toBe(n - 1);
  }, 40_000);
});
