import type { ConsumerMessages, ConsumerNotification, JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { deliveries, STARVED, STARVED_MS } from '../src/starved.ts';

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
    messages.push(message(1, 0));
    expect(await delivered.next()).toEqual({ value: message(1, 0), done: false });
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

  it('hands over a message that comes after a refused pull instead', async () => {
    const { messages, statuses, delivered } = consume();
    const next = delivered.next();
    statuses.push({ type: 'exceeded_limits', code: 409, description: 'message size exceeds maxbytes' } as ConsumerNotification);
    messages.push(message(1, 0));
    expect(await next).toEqual({ value: message(1, 0), done: false });
  });
});
