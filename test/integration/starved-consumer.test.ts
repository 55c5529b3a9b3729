import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { until } from '#libs/lab';
import { ensureStream, startProjection } from '#libs/streams';

/**
 * The message pattern that starved nats.js 3.4's consume on nats-server 2.9 (libs/streams
 * starved.ts): many small messages (pulls ended by count, their byte budget never given back),
 * then messages of growing sizes, one at a time, each larger than what the shrunken pulls ask
 * for. Alone, nats.js waited two missed heartbeats (4 s and more) for some of them; a projection
 * must have each within a fraction of that.
 */
describe('a reader whose consumer starves', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('gets every message long before the missed heartbeats that would have revived its consumer', async () => {
    const stream = `STARVE_${randomUUID().slice(0, 8)}`;
    await ensureStream(nc, { name: stream, subjects: [`${stream}.>`], duplicateWindowMs: 120_000 });
    const js = jetstream(nc);
    let committed = 0;
    const logs: Record<string, unknown>[] = [];
    const projection = await startProjection<string, never>(nc, {
      stream,
      batch: 64,
      log: (line) => logs.push(line),
      resume: async () => committed + 1,
      decode: (text) => Result.succeed(text),
      decide: () => Result.succeed([]),
      quarantined: 'quarantined',
      publish: async () => undefined,
      commit: ({ last }) => {
        committed = last;
      },
    });
    const arrived = (seq: number, ms: number) =>
      until(`message ${seq}`, () => {
        if (committed >= seq) return true;
        throw new Error(`committed through ${committed}`);
      }, { ms });
    try {
      for (let i = 0; i < 300; i++) await js.publish(`${stream}.small`, 'x'.repeat(100));
      await arrived(300, 20_000);
      const waits: number[] = [];
      for (let round = 0; round < 60; round++) {
        const started = Date.now();
        const { seq } = await js.publish(`${stream}.sized`, 'x'.repeat([200, 2_000, 20_000, 60_000, 150_000][round % 5]!));
        await arrived(seq, 20_000);
        waits.push(Date.now() - started);
      }
      const starved = logs.filter((l) => l['msg'] === 'consumer starved; a new one reads on').length;
      // nats.js alone revives a starved consumer after two missed heartbeats of 2 s.
      expect(Math.max(...waits), `waits (ms) ${waits.join(' ')}; consumers replaced as starved: ${starved}`).toBeLessThan(2_000);
    } finally {
      await projection.stop();
    }
  });
});
