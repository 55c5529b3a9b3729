import { parsePattern } from '#libs/eid';
import { Fib } from '#libs/fib';
import { figure, rate, type Figure } from '../lib/figure.ts';
import { pick, seeded, shuffle } from '../lib/random.ts';

/**
 * FIB lookups per second at `size` patterns, beside a bare Map.get over the same key strings.
 *
 * The table is shaped like an inter-domain FIB: per-node ipn routes and allocator wildcards,
 * exact dtn node names and dtn wildcards (`*.site.agency.example`, `host7*.site...`), and a few
 * node ranges from local config. Half the lookups land on exact routes, half are answered by a
 * wildcard or range. Each lookup is the full public call: `fib.lookup(text)` parses the EID.
 */
export function fibLookup(size: number, runs: number): Figure {
  const random = seeded(20261123);
  const fib = new Fib<number>();
  const patterns: string[] = [];
  const keys: string[] = [];
  const allocators = Math.max(1, Math.floor(size / 1000));
  const sites = Math.max(1, Math.floor(size / 500));
  for (let i = 0; patterns.length < size; i++) {
    const a = pick(random, allocators);
    const site = `site${pick(random, sites)}.agency${pick(random, 50)}.example`;
    const kind = random();
    if (kind < 0.4) {
      const node = pick(random, 2 ** 32);
      patterns.push(`ipn:${a}.${node}`);
      keys.push(`ipn:${a}.${node}`);
    } else if (kind < 0.45) {
      patterns.push(`ipn:${a}.*`);
      keys.push(`ipn:${a}.${pick(random, 2 ** 32)}.${pick(random, 64)}`);
    } else if (kind < 0.451) {
      const min = pick(random, 2 ** 31);
      patterns.push(`ipn:${a}.[${min}-${min + pick(random, 4096)}]`);
      keys.push(`ipn:${a}.${min}`);
    } else if (kind < 0.85) {
      const host = `host${i}.${site}`;
      patterns.push(`dtn://${host}`);
      keys.push(`dtn://${host}/svc`);
    } else if (kind < 0.93) {
      patterns.push(`dtn://*.${site}`);
      keys.push(`dtn://lander${i}.${site}/telemetry`);
    } else {
      patterns.push(`dtn://host${i % 97}*.${site}`);
      keys.push(`dtn://host${i % 97}x${i}.${site}`);
    }
  }
  for (const [i, text] of patterns.entries()) {
    const parsed = parsePattern(text);
    if (!parsed.ok) throw new Error(`bench generated an invalid pattern ${text}: ${parsed.error.message}`);
    fib.set(parsed.value, i);
  }
  shuffle(random, keys);
  // EIDs reach a gateway decoded from bundle bytes, as flat strings; template literals above
  // made rope strings, whose characters the scanner would read through V8's slow path.
  for (const [i, key] of keys.entries()) keys[i] = Buffer.from(key, 'latin1').toString('latin1');

  const map = new Map<string, number>();
  for (const [i, key] of keys.entries()) map.set(key, i);

  let sink = 0;
  let misses = 0;
  const lookupRun = () =>
    rate(keys.length, () => {
      for (const key of keys) {
        const hit = fib.lookup(key);
        if (hit === undefined) misses++;
        else sink = (sink + hit.score) | 0;
      }
    });
  const mapRun = () =>
    rate(keys.length, () => {
      for (const key of keys) sink = (sink + (map.get(key) ?? 0)) | 0;
    });
  lookupRun();
  mapRun();
  misses = 0;
  const measured: number[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < runs; r++) {
    measured.push(lookupRun());
    baseline.push(mapRun());
  }
  if (misses > 0) throw new Error(`${misses} lookups found no route: the bench keys are wrong`);
  return figure({
    name: `FIB lookup, ${fib.size} patterns`,
    unit: 'lookups/s',
    measured: { name: 'Fib.lookup(text)', runs: measured },
    baseline: { name: 'Map.get', runs: baseline },
    targets: { min: 5e6, minRatio: 0.3 },
    notes: { patterns: fib.size, keys: keys.length, runs, checksum: sink },
  });
}
