import { describe, expect, it } from 'vitest';
import type { LastMessage } from '#libs/streams';
import { FIRST_CHECK, silentServices, type WatchClock } from '../src/liveness-verdict.ts';

const OPTIONS = { clockKey: '_clock', intervalMs: 500, deadAfterMs: 8_000 };
const entries = (clockSeen: number | undefined, beats: Record<string, number>): Map<string, LastMessage> =>
  new Map([...(clockSeen === undefined ? [] : [['_clock', { value: '', storedAt: clockSeen }] as const]), ...Object.entries(beats).map(([k, t]) => [k, { value: k, storedAt: t }] as const)]);

/** Checks every interval from `from` to `to`, the follower reading the watcher's writes when `current(t)` says; answers the first verdict with a silent service. */
function run(from: number, to: number, beats: (t: number) => Record<string, number>, current: (t: number) => boolean) {
  let clock: WatchClock = FIRST_CHECK;
  let seen: number | undefined;
  for (let t = from; t <= to; t += OPTIONS.intervalMs) {
    const verdict = silentServices(clock, t, entries(seen, beats(t)), OPTIONS);
    clock = verdict.clock;
    if (verdict.silent.length > 0) return { at: t, silent: verdict.silent };
    if (current(t)) seen = t;
  }
  return undefined;
}

describe('the liveness verdict', () => {
  it('judges a service silent for longer than dead-after, once, by the servers’ time', () => {
    const found = run(0, 20_000, (t) => ({ alive: t, gone: 0 }), () => true);
    // The first check only starts the clock; the follower is current from the second (0.5 s) on, and silence counts from then.
    expect(found).toEqual({ at: 9_000, silent: [{ instance: 'gone', value: 'gone', silentMs: 8_500 }] });
  });

  it('judges nothing while its follower is behind the watcher’s own writes, and gives everyone dead-after from when it is current again', () => {
    // Heartbeats stop reaching the follower at 10 s, and so do the watcher's own writes, until 30 s (its consumer lost with a node).
    const behind = (t: number) => t < 10_000 || t >= 30_000;
    const heard = (t: number) => ({ alive: t < 10_000 ? t : t >= 30_000 ? t : 9_500, gone: 9_500 });
    const found = run(0, 60_000, heard, behind);
    // Without the guard `alive` and `gone` would both be judged at 18 s; `gone` (silent all along) is judged dead-after past 30.5 s, `alive` never.
    expect(found?.silent.map((s) => s.instance)).toEqual(['gone']);
    expect(found!.at).toBeGreaterThan(30_000 + 8_000);
    expect(found!.at).toBeLessThanOrEqual(30_000 + 8_000 + 2 * OPTIONS.intervalMs);
  });

  it('restarts the count when the cluster took no write of the watcher for two intervals', () => {
    const first = silentServices(FIRST_CHECK, 1_000, entries(undefined, {}), OPTIONS).clock;
    const second = silentServices(first, 1_500, entries(1_000, { s: 0 }), OPTIONS);
    expect(second).toEqual({ clock: { last: 1_500, since: 1_500, blind: false }, silent: [] });
    // The next write is taken 20 s later: the heartbeat of 0 is not 21 s of silence.
    expect(silentServices(second.clock, 21_500, entries(1_500, { s: 0 }), OPTIONS)).toEqual({ clock: { last: 21_500, since: 21_500, blind: false }, silent: [] });
  });
});
