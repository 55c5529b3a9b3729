import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeLocRibChanges, decodeRibInput, encodeRibInput } from '#libs/events';
import { LocRib } from '#libs/rib';
import { ensureStream, readLog } from '#libs/streams';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';
import { advertised, updateEvent } from '../../libs/rib/test/routes.ts';
import { until } from '#libs/lab';

const US = 'us.example.test';

/** design.md property 5: two RIB replicas active-active on one input write one change stream. */
describe('RIB replicas, active-active', () => {
  let nc: NatsConnection;
  const id = randomUUID().slice(0, 8);
  const names = { input: `RI_${id}`, changes: `RC_${id}` };
  const dir = mkdtempSync(join(tmpdir(), 'dpp-replicas-'));
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    await ensureStream(nc, { name: names.input, subjects: [`${names.input.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: names.changes, subjects: [`${names.changes.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await nc?.close();
  });

  it('publishes each change once, in the order one RIB alone would, clock edges included', async () => {
    const replicas = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const store = CheckpointStore.open(join(dir, `${name}.sqlite`));
        const rib = await startRib(nc, store, {
          localAd: US,
          inputStream: names.input,
          clockSubject: `${names.input.toLowerCase()}.clock`,
          changeSubject: `${names.changes.toLowerCase()}.change`,
          changeStream: names.changes,
          batch: name === 'a' ? 3 : 7,
          catchUpMs: 60_000,
          now: Date.now,
          log: () => undefined,
        });
        stops.push(async () => (await rib.stop(), store.close()));
        return rib;
      }),
    );
    const js = jetstream(nc);
    const from = Date.now() + 1_000;
    for (let i = 0; i < 40; i++) {
      const neighbor = `n${i % 3}.example.test`;
      const event = i % 5 === 4
        ? updateEvent(0, neighbor, [{ pattern: `ipn:${i % 7}.*.*` }], [])
        : updateEvent(0, neighbor, [], [advertised(neighbor, [`ipn:${i % 7}.*.*`, `ipn:${100 + i}.*.*`], { metric: i % 4, ...(i === 10 ? { validFrom: from, validUntil: from + 500 } : {}) })]);
      await js.publish(`${names.input.toLowerCase()}.verdict`, encodeRibInput(event), { msgID: `v-${i}` });
    }
    // Both have applied everything, the window's two edges included.
    const info = async () => (await (await jetstreamManager(nc)).streams.info(names.input)).state.last_seq;
    await until('both replicas past the window', async () => {
      const last = await info();
      return last >= 42 && replicas.every((r) => r.rib().lastSeq === last) ? true : undefined;
    }, { ms: 20_000 });

    const reference = new LocRib(US);
    const expected = [];
    for await (const m of readLog(nc, names.input)) expected.push(...reference.apply(Result.getOrThrow(decodeRibInput(m.string(), m.seq))));
    const published = [];
    for await (const m of readLog(nc, names.changes)) published.push(...Result.getOrThrow(decodeLocRibChanges(m.string())));
    expect(published).toEqual(expected);
    // Two clock events at most were recorded, one per edge, however many replicas saw them.
    let clocks = 0;
    for await (const m of readLog(nc, names.input)) if (Result.getOrThrow(decodeRibInput(m.string(), m.seq)).type === 'clock') clocks++;
    expect(clocks).toBe(2);
    expect([...replicas[0]!.rib().entries()]).toEqual([...replicas[1]!.rib().entries()]);
  }, 30_000);
});
