import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, inject, it } from 'vitest';
import { ensureStream, readLog } from '#libs/streams';

describe('readLog', () => {
  it('reads a stream to its end, or to a sequence, and with a subject only the messages on it, ending when none is left', async () => {
    const nc = await connect({ servers: inject('natsUrl') });
    const id = randomUUID().slice(0, 8);
    await ensureStream(nc, { name: `RL_${id}`, subjects: [`rl${id}.>`], duplicateWindowMs: 120_000 });
    for (let i = 1; i <= 12; i++) await jetstream(nc).publish(`rl${id}.${i % 4 === 0 ? 'policy' : 'peer'}`, String(i));
    const read = async (until?: number, subject?: string) => {
      const got: string[] = [];
      for await (const m of readLog(nc, `RL_${id}`, until, subject)) got.push(m.string());
      return got;
    };
    expect(await read()).toHaveLength(12);
    expect(await read(5)).toEqual(['1', '2', '3', '4', '5']);
    expect(await read(undefined, `rl${id}.policy`)).toEqual(['4', '8', '12']);
    // The last policy message before 10: the filtered read stops at the bound though its last message is not on the subject.
    expect(await read(10, `rl${id}.policy`)).toEqual(['4', '8']);
    expect(await read(3, `rl${id}.policy`)).toEqual([]);
    expect(await read(undefined, `rl${id}.none`)).toEqual([]);
    await nc.close();
  });
});
