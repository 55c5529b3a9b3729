import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeLocRibChanges, encodeRibInput } from '#libs/events';
import { until } from '#libs/lab';
import { ensureStream, readLog } from '#libs/streams';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { advertised, updateEvent } from '../../libs/rib/test/routes.ts';
import { oldCheckpoint } from '../../services/rib/test/old-checkpoint.ts';

const US = 'us.example.test';

/**
 * A RIB upgraded from before timelines (checkpoint layout 3) and before draft -01 (patterns in -00
 * text, in its checkpoint and in the log): its change stream never carried the intervals that had
 * not begun, so the FIB and the peers never heard of them. At its first start it publishes every
 * interval once, in -01 text, and marks the checkpoint; a -01 withdrawal then finds the route.
 */
describe('RIB started on a checkpoint from before timelines and before draft -01', () => {
  let nc: NatsConnection;
  const id = randomUUID().slice(0, 8);
  const names = { input: `UI_${id}`, changes: `UC_${id}` };
  const checkpoint = join(mkdtempSync(join(tmpdir(), 'dpp-upgrade-')), 'rib.sqlite');
  const from = Date.now() + 3_600_000;

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    await ensureStream(nc, { name: names.input, subjects: [`ui.${id}.>`], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: names.changes, subjects: [`uc.${id}.>`], duplicateWindowMs: 120_000 });
    // The old RIB applied one event, a contact an hour ahead, and published nothing for it (it was not open).
    const event = updateEvent(1, 'a.example.test', [], [advertised('a.example.test', 'ipn:7.*', { validFrom: from, validUntil: from + 600_000 })]);
    await jetstream(nc).publish(`ui.${id}.verdict`, encodeRibInput(event));
    oldCheckpoint(3, [event], US, checkpoint);
  });
  afterAll(() => nc?.close());

  const start = async () => {
    const store = CheckpointStore.open(checkpoint);
    const rib = await startRib(nc, store, { localAd: US, inputStream: names.input, clockSubject: `ui.${id}.clock`, changeSubject: `uc.${id}.change`, changeStream: names.changes, batch: 4, catchUpMs: 1_000, now: Date.now, log: () => undefined });
    return { store, stop: async () => (await rib.stop(), store.close()) };
  };
  const published = async () => {
    const out: { id: string | undefined; changes: [string, number | undefined][] }[] = [];
    for await (const m of readLog(nc, names.changes)) out.push({ id: m.headers?.get('Nats-Msg-Id'), changes: Result.getOrThrow(decodeLocRibChanges(m.string())).map((c) => [c.pattern, c.best?.validFrom]) });
    return out;
  };

  it('publishes the future interval once, after what it had published, and not again on the next start', async () => {
    const first = await start();
    expect(first.store.timelinesUnpublished).toBe(false);
    expect(await published()).toEqual([{ id: 'locrib-1-1000000', changes: [['ipn:7.*.*', from]] }]);
    await first.stop();
    const second = await start();
    await second.stop();
    expect((await (await jetstreamManager(nc)).streams.info(names.changes)).state.messages).toBe(1);
  });

  it('takes a withdrawal in -01 text of the route logged in -00 text, and keeps nothing of it in the checkpoint', async () => {
    await jetstream(nc).publish(`ui.${id}.verdict`, encodeRibInput(updateEvent(2, 'a.example.test', [{ pattern: 'ipn:7.*.*', validFrom: from }], [])));
    const rib = await start();
    await until('the withdrawal in the change stream', async () => ((await published()).length === 2 ? true : undefined), { ms: 10_000 });
    await rib.stop();
    expect((await published())[1]).toEqual({ id: 'locrib-2-0', changes: [['ipn:7.*.*', undefined]] });
    const store = CheckpointStore.open(checkpoint);
    expect(store.load()?.routes).toEqual([]);
    store.close();
  });
});
