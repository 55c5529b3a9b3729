import { LocRib } from '#libs/rib';
import { logged } from './figures/rib.ts';

/**
 * `node --expose-gc bench/rib-rss.ts N [NEIGHBORS]`: builds the RIB of N routes (from 4 neighbors,
 * or as many as given) as the RIB service does, and prints how much the process's RSS grew, after
 * GC (bench/figures/rib.ts).
 */
const gc = (globalThis as { gc?: () => void }).gc!;
const n = Number(process.argv[2]);
gc();
const before = process.memoryUsage().rss;
const rib = new LocRib('us.example.org', { checkpointed: true });
for (const e of logged(n, Number(process.argv[3] ?? 4))) {
  rib.apply(e);
  rib.takeStoreOps();
}
gc();
console.log(JSON.stringify({ routes: rib.size, rssBytes: process.memoryUsage().rss - before }));
