import type { ConsumerMessages, ConsumerNotification, JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { deliveries, restartPacing, STARVED, STARVED_MS } from '../src/starved.ts';

/** A queue read as an async iterator: what a consume hands over, and its status notifications. */
function queue<T>() {
  const items: T[] = [];
  const waiting: ((r: IteratorResult<T>) => void)[] = [];
  return {
    push: (item: T) => (waiting.length > 0 ? waiting.shift()!({ value: item, done: false }) : items.push(item)),
    iterator: (): AsyncIterator<T> => ({ next: () => (items.length > 0 ? Promise.resolve({ value: items.shift()!, done: false }) : new Promise((resolve) => waiting.push(resolve))) }),
  };
}

const message = (seq: number, pending: number) => ({ seq, info: { pending } }) as unknown as JsMsg;

function consume() {
  const messages = queue<JsMsg>();
  const statuses = queue<ConsumerNotification>();
  const consumer = { [Symbol.asyncIterator]: messages.iterator, status: () => ({ [Symbol.asyncIterator]: statuses.iterator }) } as unknown as ConsumerMessages;
  return { messages, statuses, delivered: deliveries(consumer) };
}

const within = async <T>(p: Promise<T>, ms: number): Promise<T | 'still waiting'> => Promise.race([p, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

describe('deliveries: a consume that starves is told apart from one with nothing to deliver (starved.ts)', () => {
  it('waits as long as it takes when the last message said none were pending and no pull was refused', async () => {
    const { messages, delivered } = consume();
    expect(delivered.deliveredAny).toBe(false);
    messages.push(message(1, 0));
    expect(await delivered.next()).toEqual({ value: message(1, 0), done: false });
    expect(delivered.deliveredAny).toBe(true);
    expect(await within(delivered.next(), STARVED_MS * 3)).toBe('still waiting');
  });

  it('is starved when the last message said more were pending and none came', async () => {
    const { messages, delivered } = consume();
    messages.push(message(1, 5));
    await delivered.next();
    const started = performance.now();
    expect(await delivered.next()).toBe(STARVED);
    expect(performance.now() - started).toBeGreaterThanOrEqual(STARVED_MS - 1);
  });

  it('is starved soon after a refused pull when nothing comes (sooner than STARVED_MS), also when it had caught up', async () => {
    const { messages, statuses, delivered } = consume();
    messages.push(message(1, 0));
    await delivered.next();
    const next = delivered.next();
    statuses.push({ type: 'exceeded_limits', code: 409, description: 'message size exceeds maxbytes' } as ConsumerNotification);
    expect(await within(next, STARVED_MS)).toBe(STARVED);
  });

  it('counts a refusal that came while the reader was busy from its next wait, unless a new pull followed it', async () => {
    const refusal = { type: 'exceeded_limits', code: 409, description: 'message size exceeds maxbytes' } as ConsumerNotification;
    const busy = consume();
    busy.messages.push(message(1, 0));
    await busy.delivered.next();
    busy.statuses.push(refusal);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await within(busy.delivered.next(), STARVED_MS)).toBe(STARVED);

    const pulledAgain = consume();
    pulledAgain.messages.push(message(1, 0));
    await pulledAgain.delivered.next();
    pulledAgain.statuses.push(refusal);
    pulledAgain.statuses.push({ type: 'next', options: { batch: 25, max_bytes: 1_000 } } as unknown as ConsumerNotification);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await within(pulledAgain.delivered.next(), STARVED_MS * 3)).toBe('still waiting');
  });

  it('forgets a refusal once a message came after it: other pulls are still delivering', async () => {
    const { messages, statuses, delivered } = consume();
    messages.push(message(1, 0));
    await delivered.next();
    statuses.push({ type: 'exceeded_limits', code: 409, description: 'message size exceeds maxbytes' } as ConsumerNotification);
    await new Promise((resolve) => setTimeout(resolve, 0));
    messages.push(message(2, 0));
    expect(await delivered.next()).toEqual({ value: message(2, 0), done: false });
    expect(await within(delivered.next(), STARVED_MS * 3)).toBe('still waiting');
  });

  it('fails as the consume does when it ends with an error', async () => {
    const failing = { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('permissions violation')) }), status: () => ({ [Symbol.asyncIterator]: queue<ConsumerNotification>().iterator }) } as unknown as ConsumerMessages;
    await expect(deliveries(failing).next()).rejects.toThrow('permissions violation');
  });

  it('hands over a message that comes after a refused pull instead', async () => {
    const { messages, statuses, delivered } = consume();
    const next = delivered.next();
    statuses.push({ type: 'exceeded_limits', code: 409, description: 'message size exceeds maxbytes' } as ConsumerNotification);
    messages.push(message(1, 0));
    expect(await next).toEqual({ value: message(1, 0), done: false });
  });
});

describe('restartPacing: consumers made again after starving', () => {
  it('come at once while they deliver, then 5 ms apart doubling to 1 s, saying so at 1 s', async () => {
    const stuck: number[] = [];
    const paced = restartPacing((ms) => stuck.push(ms));
    const waited = async (deliveredAny: boolean) => {
      const started = performance.now();
      await paced(deliveredAny);
      return performance.now() - started;
    };
    /** Settles before any timer or I/O: no wait at all. */
    const atOnce = () => Promise.race([paced(true).then(() => 'at once'), new Promise((resolve) => setImmediate(() => resolve('later')))]);
    expect(await atOnce()).toBe('at once');
    expect(await waited(false)).toBeGreaterThanOrEqual(4);
    expect(await waited(false)).toBeGreaterThanOrEqual(9);
    expect(await atOnce()).toBe('at once');
    for (let i = 0; i < 8; i++) await waited(false);
    expect(stuck).toEqual([]);
    expect(await waited(false)).toBeGreaterThanOrEqual(999);
    expect(stuck).toEqual([1_000]);
  });
});
