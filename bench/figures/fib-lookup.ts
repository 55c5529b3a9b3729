import { parsePattern } from '#libs/eid';
import { Fib } from '#libs/fib';
import { figure, median, rate, type Figure } from '../lib/figure.ts';
import { pick, seeded, shuffle } from '../lib/random.ts';

type Kind = 'ipn exact' | 'ipn A.*' | 'ipn range' | 'dtn exact' | 'dtn *.domain' | 'dtn prefix*';

/**
 * A table shaped like an inter-domain FIB: per-node ipn routes and allocator wildcards, exact
 * dtn node names and dtn wildcards (`*.site.agency.example`, `host7*.site...`), and a few node
 * ranges from local config; and for each pattern one EID that it answers, so that half the
 * lookups land on exact routes and half on a wildcard or range.
 */
function generate(size: number): { patterns: string[]; keys: Map<Kind, string[]> } {
  const random = seeded(20261123);
  const patterns: string[] = [];
  const keys = new Map<Kind, string[]>();
  const add = (kind: Kind, pattern: string, eid: string) => {
    patterns.push(pattern);
    let list = keys.get(kind);
    if (list === undefined) keys.set(kind, (list = []));
    list.push(eid);
  };
  const allocators = Math.max(1, Math.floor(size / 1000));
  const sites = Math.max(1, Math.floor(size / 500));
  for (let i = 0; patterns.length < size; i++) {
    const a = pick(random, allocators);
    const site = `site${pick(random, sites)}.agency${pick(random, 50)}.example`;
    const kind = random();
    if (kind < 0.4) {
      const node = pick(random, 2 ** 32);
      add('ipn exact', `ipn:${a}.${node}.*`, `ipn:${a}.${node}.0`);
    } else if (kind < 0.45) {
      add('ipn A.*', `ipn:${a}.*.*`, `ipn:${a}.${pick(random, 2 ** 32)}.${pick(random, 64)}`);
    } else if (kind < 0.451) {
      const min = pick(random, 2 ** 31);
      add('ipn range', `ipn:${a}.[${min}-${min + pick(random, 4096)}].*`, `ipn:${a}.${min}.0`);
    } else if (kind < 0.85) {
      add('dtn exact', `dtn://host${i}.${site}/**`, `dtn://host${i}.${site}/svc`);
    } else if (kind < 0.93) {
      add('dtn *.domain', `dtn://*.${site}/**`, `dtn://lander${i}.${site}/telemetry`);
    } else {
      add('dtn prefix*', `dtn://host${i % 97}*.${site}/**`, `dtn://host${i % 97}x${i}.${site}/`);
    }
  }
  // EIDs reach a gateway decoded from bundle bytes, as flat strings; the template literals above
  // made rope strings, whose characters a scanner would read through V8's slow path.
  for (const list of keys.values()) for (const [i, key] of list.entries()) list[i] = Buffer.from(key, 'latin1').toString('latin1');
  return { patterns, keys };
}

/** Lookups/s of `fib.lookup` and of a bare Map.get over the same keys, runs interleaved. */
function measure(fib: Fib<number>, keys: string[], runs: number): { lookup: number[]; map: number[] } {
  const map = new Map<string, number>();
  for (const [i, key] of keys.entries()) map.set(key, i);
  let sink = 0;
  let misses = 0;
  // What a gateway does with a route: read its value (the next hop).
  const lookupRun = () =>
    rate(keys.length, () => {
      for (const key of keys) {
        const hit = fib.lookup(key);
        if (hit === undefined) misses++;
        else sink = (sink + hit.value) | 0;
      }
    });
  const mapRun = () =>
    rate(keys.length, () => {
      for (const key of keys) sink = (sink + (map.get(key) ?? 0)) | 0;
    });
  lookupRun();
  mapRun();
  const lookup: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < runs; r++) {
    lookup.push(lookupRun());
    base.push(mapRun());
  }
  if (misses > 0) throw new Error(`${misses} lookups found no route: the bench keys are wrong`);
  if (sink === 0.5) console.log('unreachable: keeps the sums alive');
  return { lookup, map: base };
}

/**
 * FIB lookups per second at `size` patterns, beside a bare Map.get over the same key strings;
 * each lookup is the whole public call: `fib.lookup(text)` parses the EID. The notes break the
 * figure down by the kind of pattern that answers, each kind beside its own Map.get.
 */
export function fibLookup(size: number, runs: number): Figure {
  const { patterns, keys } = generate(size);
  const fib = new Fib<number>();
  for (const [i, text] of patterns.entries()) {
    const parsed = parsePattern(text);
    if (!parsed.ok) throw new Error(`bench generated an invalid pattern ${text}: ${parsed.error.message}`);
    fib.set(parsed.value, i);
  }
  const all = shuffle(seeded(7), [...keys.values()].flat());
  const { lookup, map } = measure(fib, all, runs);
  const notes: Record<string, number | string> = { patterns: fib.size, keys: all.length, runs };
  for (const [kind, list] of keys) {
    const byKind = measure(fib, shuffle(seeded(11), list), 3);
    notes[`${kind}: keys`] = list.length;
    notes[`${kind}: lookups/s`] = Math.round(median(byKind.lookup));
    notes[`${kind}: Map.get/s`] = Math.round(median(byKind.map));
  }
  return figure({
    name: `FIB lookup, ${fib.size} patterns`,
    unit: 'lookups/s',
    measured: { name: 'Fib.lookup(text)', runs: lookup },
    baseline: { name: 'Map.get', runs: map },
    targets: { min: 5e6, minRatio: 0.3 },
    notes,
  });
}
