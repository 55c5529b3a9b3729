import type { FibEntry } from '../fib-entry.ts';

/**
 * Hardy's TVR contact lines, one per entry:
 * `<pattern> via <eid> [start <RFC3339>] [end <RFC3339>] [bandwidth <bits/s>]`; a field the route
 * does not have is left out (no window: the route holds all the time).
 */
export function toHardyTvr(entries: readonly FibEntry[]): string {
  return entries
    .map((e) =>
      [
        `${e.pattern} via ${e.nextHop}`,
        ...(e.validFrom === undefined ? [] : [`start ${new Date(e.validFrom).toISOString()}`]),
        ...(e.validUntil === undefined ? [] : [`end ${new Date(e.validUntil).toISOString()}`]),
        ...(e.bandwidthBps === undefined ? [] : [`bandwidth ${e.bandwidthBps}`]),
      ].join(' '),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** What a TVR line says of a route. */
export interface TvrRoute {
  readonly pattern: string;
  readonly via: string;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly bandwidthBps: string | undefined;
}

const LINE = /^(\S+) via (\S+)(?: start (\S+))?(?: end (\S+))?(?: bandwidth (\d+))?$/;

/** TVR lines read back; `#` comments and blank lines are skipped; a line that is none says which. */
export function fromHardyTvr(text: string): { routes: TvrRoute[]; errors: string[] } {
  const routes: TvrRoute[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    const [start, end] = [m?.[3] === undefined ? undefined : Date.parse(m[3]), m?.[4] === undefined ? undefined : Date.parse(m[4])];
    if (!m || Number.isNaN(start) || Number.isNaN(end)) return void errors.push(`line ${i + 1}: expected "<pattern> via <eid> [start <RFC3339>] [end <RFC3339>] [bandwidth <bits/s>]"`);
    routes.push({ pattern: m[1]!, via: m[2]!, start, end, bandwidthBps: m[5] });
  });
  return { routes, errors };
}
