import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventOutbox } from '../src/event-outbox.ts';

/**
 * An append whose every call waits for the test to acknowledge or fail it. Acknowledging stores the
 * event as the log would: at the next sequence, or at its first place when the id is stored already.
 */
function controlledLog() {
  const stored: string[] = [];
  const calls: { msgId: string; ack(seq?: number): void; fail(): void }[] = [];
  const append = (event: string, msgId: string) =>
    new Promise<number>((resolve, reject) =>
      calls.push({
        msgId,
        /** `seq`: where the log stored it (acknowledgments may come back in another order). */
        ack: (seq?: number) => {
          if (seq !== undefined) return resolve(seq);
          const at = stored.findIndex((s) => s.endsWith(` ${msgId}`));
          resolve(at >= 0 ? at + 1 : stored.push(`${event} ${msgId}`));
        },
        fail: () => reject(new Error('nats down')),
      }),
    );
  return { calls, append, stored };
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
    log.calls[2]!.ack(3);
    log.calls[1]!.ack(2);
    await settle();
    log.calls[0]!.ack(1);
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

  it('appends copies in order when a resent event lands after a later one, so the last copies are in push order', async () => {
    const log = controlledLog();
    const outbox = new EventOutbox(log.append, { window: 3, onRetry: () => undefined, onAcked: () => undefined });
    for (let i = 1; i <= 3; i++) outbox.push(`e${i}`, `m${i}`);
    const drained = outbox.drained();
    log.calls[0]!.ack();
    log.calls[2]!.ack(); // e3 lands before e2 fails: e2's resend will land after it
    log.calls[1]!.fail();
    await settle();
    vi.advanceTimersByTime(100);
    await settle();
    expect(log.calls.slice(3).map((c) => c.msgId)).toEqual(['m2']);
    log.calls[3]!.ack();
    await settle();
    // e3 is behind e2 in the log: it gets a copy after e2.
    vi.advanceTimersByTime(100);
    await settle();
    expect(log.calls.slice(4).map((c) => c.msgId)).toEqual(['m3.1']);
    log.calls[4]!.ack();
    await drained;
    expect(log.stored).toEqual(['e1 m1', 'e3 m3', 'e2 m2', 'e3 m3.1']);
    const lastCopies = [...new Map(log.stored.map((s, i) => [s.split(' ')[0]!, i])).entries()].sort((a, b) => a[1] - b[1]).map(([e]) => e);
    expect(lastCopies).toEqual(['e1', 'e2', 'e3']);
  });

  it('does not copy a resent event that was stored in its place before its acknowledgment was lost', async () => {
    const log = controlledLog();
    const outbox = new EventOutbox(log.append, { window: 2, onRetry: () => undefined, onAcked: () => undefined });
    outbox.push('e1', 'm1');
    outbox.push('e2', 'm2');
    const drained = outbox.drained();
    log.calls[0]!.ack();
    await settle();
    // e2 reaches the log, but the acknowledgment is lost.
    log.stored.push('e2 m2');
    log.calls[1]!.fail();
    await settle();
    vi.advanceTimersByTime(100);
    await settle();
    log.calls[2]!.ack();
    await drained;
    expect(log.stored).toEqual(['e1 m1', 'e2 m2']);
  });

  it('once closed, ignores what comes back: no retry, no copy', async () => {
    const log = controlledLog();
    const retries: number[] = [];
    const outbox = new EventOutbox(log.append, { window: 2, onRetry: (_, delay) => retries.push(delay), onAcked: () => undefined });
    outbox.push('e1', 'm1');
    outbox.push('e2', 'm2');
    expect(outbox.close()).toBe(2);
    log.calls[1]!.ack(1);
    log.calls[0]!.ack(2); // would look misplaced, and failures would retry, were it open
    await settle();
    vi.advanceTimersByTime(1_000);
    await settle();
    expect([retries, log.calls.length]).toEqual([[], 2]);
  });
});
