import type { LastMessage } from '#libs/streams';

/**
 * What the liveness watch knows between checks, in the servers' time: its last clock write,
 * since when silence counts, and whether its follower of the bucket was behind at the last check.
 */
export interface WatchClock {
  readonly last: number | undefined;
  readonly since: number;
  readonly blind: boolean;
}

export const FIRST_CHECK: WatchClock = { last: undefined, since: 0, blind: false };

/**
 * One check of the liveness watch (pure): `now` is the servers' time of the watcher's clock write
 * just made, `entries` the bucket as its follower holds it (the clock key among them, at the last
 * of the watcher's writes the follower has read). Silence counts from when the cluster took the
 * watcher's writes without a gap and its follower was current: a follower that has not read the
 * watcher's previous write (its consumer lost with a node, being made again) holds heartbeats as
 * old as its own view, so nothing is judged by it, and once it is current again every service
 * has the whole dead-after time to be heard of. Answers the services silent
 * for longer than `deadAfterMs`.
 */
export function silentServices(
  clock: WatchClock,
  now: number,
  entries: ReadonlyMap<string, LastMessage>,
  options: { readonly clockKey: string; readonly intervalMs: number; readonly deadAfterMs: number },
): { clock: WatchClock; silent: { instance: string; value: string; silentMs: number }[] } {
  let since = clock.last === undefined || now - clock.last > 2 * options.intervalMs ? now : clock.since;
  const seen = entries.get(options.clockKey)?.storedAt;
  if (clock.last === undefined || seen === undefined || seen < clock.last) return { clock: { last: now, since, blind: true }, silent: [] };
  if (clock.blind) since = now;
  const silent = [...entries]
    .filter(([instance]) => instance !== options.clockKey)
    .map(([instance, entry]) => ({ instance, value: entry.value, silentMs: now - Math.max(entry.storedAt, since) }))
    .filter((s) => s.silentMs > options.deadAfterMs);
  return { clock: { last: now, since, blind: false }, silent };
}
