import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { until } from '#libs/lab';
import { ensureStream, startProjection } from '#libs/streams';

/**
 * The projection runner's contract, on a real nats-server: a running sum of the numbers in a
 * stream, whose durable state (sum and position) is what `commit` keeps. A publish that fails
 * makes the runner reload that state and decide the batch again; an event that does not decode is
 * quarantined and the rest still flows; nothing is committed before its outputs are stored.
 */
describe('startProjection: ordered read → decide → publish → commit', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('commits only what was published, decides a failed batch again from the durable state, and quarantines what does not decode', async () => {
    const stream = `PROJ_${randomUUID().slice(0, 8)}`;
    await ensureStream(nc, { name: stream, subjects: [`${stream}.>`], duplicateWindowMs: 120_000 });
    const js = jetstream(nc);
    for (const text of ['1', '2', 'three', '4', '5']) await js.publish(`${stream}.in`, text);

    const durable = { sum: 0, next: 1 };
    let sum = 0;
    const published: number[] = [];
    const committed: { last: number; sum: number }[] = [];
    const logs: Record<string, unknown>[] = [];
    let failOnce = true;
    const projection = await startProjection<number, number>(nc, {
      stream,
      // One event a batch, so which batch fails is known.
      batch: 1,
      log: (line) => logs.push(line),
      resume: async () => {
        sum = durable.sum;
        return durable.next;
      },
      decode: (text) => (/^\d+$/.test(text) ? Result.succeed(Number(text)) : Result.fail(`${text} is no number`)),
      decide: (n) => {
        sum += n;
        return Result.succeed([sum]);
      },
      quarantined: 'number quarantined',
      publish: async (outputs) => {
        // The batch of 4 fails once: it must be decided again from the durable state, not on top of itself.
        if (outputs.includes(7) && failOnce) {
          failOnce = false;
          throw new Error('publish lost');
        }
        published.push(...outputs);
      },
      commit: ({ last }) => {
        committed.push({ last, sum });
        Object.assign(durable, { sum, next: last + 1 });
      },
    });
    try {
      await until(
        'every number summed and committed',
        () => {
          if (durable.next === 6) return true;
          throw new Error(`durable ${JSON.stringify(durable)}, committed ${JSON.stringify(committed)}`);
        },
        { ms: 20_000 },
      );
    } finally {
      await projection.stop();
    }
    expect(durable.sum).toBe(12);
    // 'three' is left out; the failed batch is neither published nor committed, and its sum is 7 again, not 11.
    expect(published).toEqual([1, 3, 7, 12]);
    expect(committed).toEqual([
      { last: 1, sum: 1 },
      { last: 2, sum: 3 },
      { last: 3, sum: 3 },
      { last: 4, sum: 7 },
      { last: 5, sum: 12 },
    ]);
    expect(logs.filter((l) => l['msg'] === 'number quarantined').map((l) => [l['seq'], l['error']])).toEqual([[3, 'three is no number']]);
    expect(logs.some((l) => l['level'] === 'warn' && l['error'] === 'publish lost')).toBe(true);
  });
});
