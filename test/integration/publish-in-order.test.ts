import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureStream, publisherFor, publishInOrder, readLog, type OrderedMessage } from '#libs/streams';

describe('publishInOrder: pipelined publishes the server keeps in order', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
  });
  afterAll(async () => {
    await nc?.close();
  });
  const setUp = async () => {
    const id = randomUUID().slice(0, 8);
    await ensureStream(nc, { name: `PO_${id}`, subjects: [`po${id}.>`], duplicateWindowMs: 120_000 });
    const messages: OrderedMessage[] = Array.from({ length: 40 }, (_, i) => ({ data: `m${i}`, msgId: `${id}-${i}` }));
    const stored = async () => {
      const got: string[] = [];
      for await (const m of readLog(nc, `PO_${id}`)) got.push(`${m.subject.split('.')[1]}:${m.string()}`);
      return got;
    };
    // Where each resend began, as the warnings name it.
    const retries: number[] = [];
    const log = (line: Record<string, unknown>) => retries.push(messages.findIndex((m) => m.msgId === line['from']));
    return { subject: `po${id}.v`, clockSubject: `po${id}.clock`, messages, stored, retries, log };
  };

  it('a message lost on the way makes the ones after it fail instead of landing ahead of it; they are sent again in order', async () => {
    const { subject, messages, stored, retries, log } = await setUp();
    const real = publisherFor(nc);
    let lost = false;
    // Message 7 never reaches the server the first time, as in a reconnect between publish and store.
    const lossy = {
      publish: (s: string, data: string | Uint8Array, options: Parameters<typeof real.publish>[2]) => {
        if (options?.msgId === messages[7]!.msgId && !lost) {
          lost = true;
          return Promise.reject(new Error('lost'));
        }
        return real.publish(s, data, options);
      },
    };
    const tail = await publishInOrder(lossy, subject, messages, { seq: 0 }, { window: 16, log });
    expect(await stored()).toEqual(messages.map((m) => `v:${m.data}`));
    expect(tail.seq).toBe(40);
    expect(retries).toEqual([7]);
  });

  it('a second writer of the same messages (an active-active replica) is told they are duplicates; another subject written between them costs one retry', async () => {
    const { subject, clockSubject, messages, stored, retries, log } = await setUp();
    const first = await publishInOrder(publisherFor(nc), subject, messages.slice(0, 20), { seq: 0 }, { log });
    await jetstream(nc).publish(clockSubject, 'tick');
    // The first 20 are duplicates, acknowledged whatever they expect; the 21st expects its predecessor by id and
    // meets the clock message instead: it fails once, and the resend, expecting by subject sequence, goes through.
    const again = await publishInOrder(publisherFor(nc), subject, messages, { seq: 0 }, { log });
    expect(first.seq).toBe(20);
    expect(again.seq).toBe(41);
    expect(retries).toEqual([20]);
    expect(await stored()).toEqual([...messages.slice(0, 20).map((m) => `v:${m.data}`), 'clock:tick', ...messages.slice(20).map((m) => `v:${m.data}`)]);
  });

  it('answers a publish on a closed connection with a rejected promise, never a throw (a retry timer would not catch it)', async () => {
    const closing = await connect({ servers: inject('natsUrl') });
    const publisher = publisherFor(closing);
    await closing.close();
    // The publisher notices the close (its answers' subscription ends); a publish after that makes it anew, which a closed connection refuses.
    await new Promise((resolve) => setTimeout(resolve, 0));
    let answered: Promise<unknown> | undefined;
    expect(() => (answered = publisher.publish('po.closed', 'x', { msgId: 'closed-1' }))).not.toThrow();
    await expect(answered).rejects.toThrow(/closed/i);
  });
});
