import { readFileSync } from 'node:fs';

/** A process's CPU time so far, user and system, in clock ticks (USER_HZ: 1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until the processes do no more work: none of them spends more than `ticks` clock ticks of
 * CPU in a window of `windowMs` (5 in 500 ms: a tenth of a core; idle services spend about none
 * on heartbeats, and a profiled one 2 or 3 on its sampler). A load leaves work behind it after
 * its last route arrives (a table compaction, a checkpoint, each process's garbage collection of
 * what the load allocated): a figure "on an idle RIB" starts after it, not during it. Resolves
 * with the time waited; fails after `ms`, naming each process's CPU in the last window.
 */
export async function atRest(pids: readonly number[], { windowMs = 500, ticks = 5, ms = 120_000 } = {}): Promise<number> {
  const start = performance.now();
  let before = pids.map(cpuTicks);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = pids.map(cpuTicks);
    const spent = now.map((t, i) => t - before[i]!);
    if (spent.every((t) => t <= ticks)) return performance.now() - start;
    if (performance.now() - start > ms) throw new Error(`still busy after ${ms} ms: CPU ticks in the last ${windowMs} ms by pid ${pids.map((pid, i) => `${pid}: ${spent[i]}`).join(', ')}`);
    before = now;
  }
}
