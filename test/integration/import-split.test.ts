import { randomUUID } from 'node:crypto';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeRibInput, type PeerEvent } from '#libs/events';
import { ensureStream } from '#libs/streams';
import { peerMessageCodec } from '#libs/wire';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { until } from '#libs/lab';

/** A RouteUpdate whose verdict is larger than a log message may be: split, in order, each part once. */
describe('import stage, verdicts larger than a message', () => {
  let nc: NatsConnection;
  const id = randomUUID().slice(0, 8);
  const names = { peer: `SP_${id}`, input: `SR_${id}`, resumed: `SQ_${id}` };
  const log = () => undefined;
  const PATTERNS = 300;

  const verdicts = async (stream: string) => {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    const got: { id: string; text: string; patterns: string[] }[] = [];
    if (info.state.messages === 0) return got;
    const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
    for await (const m of await consumer.fetch({ max_messages: info.state.messages, expires: 2_000 })) {
      const event = Result.getOrThrow(decodeRibInput(m.string(), m.seq));
      got.push({ id: m.headers?.get('Nats-Msg-Id') ?? '', text: m.string(), patterns: event.type === 'update' ? event.accepted.flatMap((a) => a.patterns) : [] });
      if (got.length === info.state.messages) break;
    }
    return got;
  };
  const stage = (stream: string) => startImportStage(nc, { peerStream: names.peer, ribStream: stream, ribSubject: `${stream.toLowerCase()}.verdict`, restartMs: 0, batch: 8, maxMessageBytes: 600, log });

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    const peerLog = await PeerEventLog.open(nc, { stream: names.peer, subjectPrefix: `sp.${id}` });
    await ensureStream(nc, { name: names.input, subjects: [`${names.input.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
    // A short duplicate window: what the stage stores again after it is a duplicate in the log.
    await ensureStream(nc, { name: names.resumed, subjects: [`${names.resumed.toLowerCase()}.>`], duplicateWindowMs: 500 });
    const update = { announcements: [{ patterns: Array.from({ length: PATTERNS }, (_, i) => ({ ipn: { allocator_id: 100 + i, is_wildcard: true } })), ad_path: ['a.example.test'] }] };
    const event: PeerEvent = { v: 1, kind: 'route-update', sessionId: 's', n: 1, speakerId: 'dtn://us', peerAd: 'a.example.test', peerSpeakerId: 'dtn://a', receivedAt: 0, sequenceNumber: '1', message: peerMessageCodec().encode({ sequence_number: '1', update }).toString('base64') };
    await peerLog.append(event, `${id}-1`);
  });
  afterAll(() => nc?.close());

  it('stores a split verdict in parts that each fit, and after a stop part-way stores only the parts still missing', async () => {
    const first = await stage(names.input);
    const all = await until('the whole verdict imported', async () => {
      const got = await verdicts(names.input);
      const last = /\.(\d+)\/(\d+)$/.exec(got.at(-1)?.id ?? '');
      return last && Number(last[1]) === Number(last[2]) - 1 ? got : undefined;
    });
    await first.stop();
    const parts = all.length;
    expect(parts).toBeGreaterThan(3);
    for (const v of all) expect(Buffer.byteLength(v.text)).toBeLessThanOrEqual(600);
    expect(all.map((v) => v.id)).toEqual(Array.from({ length: parts }, (_, i) => `import-1.${i}/${parts}`));
    expect(all.flatMap((v) => v.patterns)).toEqual(Array.from({ length: PATTERNS }, (_, i) => `ipn:${100 + i}.*.*`));

    // As if the stage had died after storing part 1: a log holding the first two parts only.
    const js = jetstream(nc);
    for (const v of all.slice(0, 2)) await js.publish(`${names.resumed.toLowerCase()}.verdict`, v.text, { msgID: v.id });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const resumed = await stage(names.resumed);
    const again = await until('the missing parts imported', async () => {
      const got = await verdicts(names.resumed);
      return got.length >= parts ? got : undefined;
    });
    await resumed.stop();
    expect(again.map((v) => v.id)).toEqual(all.map((v) => v.id));
    expect(again.flatMap((v) => v.patterns)).toEqual(all.flatMap((v) => v.patterns));
  });
});
