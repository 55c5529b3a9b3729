import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventOutbox } from '../src/event-outbox.ts';

/** An append whose every call waits for the test to acknowledge or fail it. */
function controlledLog() {
  const calls: { msgId: string; ack(): void; fail(): void }[] = [];
  const append = (_: string, msgId: string) =>
    new Promise<void>((resolve, reject) => calls.push({ msgId, ack: resolve, fail: () => reject(new Error('nats down')) }));
  return { calls, append };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('EventOutbox', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('keeps at most `window` appends in flight, in push order', async () => {
    const log = controlledLog();
    const outbox = new EventOutbox(log.append, { window: 3, onRetry: () => undefined, onAcked: () => undefined });
    for (let i = 1; i <= 5; i++) outbox.push(`e${i}`, `m${i}`);
    expect(log.calls.map((c) => c.msgId)).toEqual(['m1', 'm2', 'm3']);
    log.calls[0]!.ack();
    await settle();
    expect(log.calls.map((c) => c.msgId)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(outbox.pending).toBe(4);
  });

  it('after a failure, starts nothing new until in-flight appends settle, then resends only the unacknowledged, oldest first', async () => {
    const log = controlledLog();
    const retries: number[] = [];
    const outbox = new EventOutbox(log.append, { window: 3, onRetry: (_, delay) => retries.push(delay), onAcked: () => undefined });
    for (let i = 1; i <= 4; i++) outbox.push(`e${i}`, `m${i}`);
    log.calls[0]!.fail();
    await settle();
    expect(log.calls).toHaveLength(3);
    log.calls[1]!.ack();
    log.calls[2]!.fail();
    await settle();
    expect(log.calls).toHaveLength(3);
    vi.advanceTimersByTime(100);
    await settle();
    expect(log.calls.slice(3).map((c) => c.msgId)).toEqual(['m1', 'm3', 'm4']);
    expect(retries).toEqual([100]);
  });

  it('reports the pending count after the acknowledged front leaves, even when the oldest is acknowledged last', async () => {
    const log = controlledLog();
    const acked: number[] = [];
    const outbox = new EventOutbox(log.append, { window: 3, onRetry: () => undefined, onAcked: (pending) => acked.push(pending) });
    for (let i = 1; i <= 3; i++) outbox.push(`e${i}`, `m${i}`);
    log.calls[2]!.ack();
    log.calls[1]!.ack();
    await settle();
    log.calls[0]!.ack();
    await settle();
    expect(acked).toEqual([3, 3, 0]);
  });

  it('backs off while the log stays down, and drains once it is back', async () => {
    const log = controlledLog();
    const retries: number[] = [];
    const outbox = new EventOutbox(log.append, { window: 2, onRetry: (_, delay) => retries.push(delay), onAcked: () => undefined });
    outbox.push('e1', 'm1');
    const drained = outbox.drained();
    log.calls[0]!.fail();
    await settle();
    vi.advanceTimersByTime(100);
    await settle();
    log.calls[1]!.fail();
    await settle();
    vi.advanceTimersByTime(200);
    await settle();
    log.calls[2]!.ack();
    await drained;
    expect(retries).toEqual([100, 200]);
    expect(log.calls.map((c) => c.msgId)).toEqual(['m1', 'm1', 'm1']);
    expect(outbox.pending).toBe(0);
  });
});
