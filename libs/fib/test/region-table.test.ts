import { describe, expect, it } from 'vitest';
import { regionHash } from '#libs/eid';
import { RegionTable } from '../src/region-table.ts';

interface Item {
  readonly text: string;
}

const key = (i: number): Item => ({ text: `dtn://n${i}.example` });
const probe = (table: RegionTable<Item>, name: string) => table.get(name, 0, name.length, regionHash(name, 0, name.length));

describe('RegionTable', () => {
  it('finds every key left after heavy churn, and none of the deleted ones', () => {
    const table = new RegionTable<Item>('dtn://'.length);
    const live = new Set<number>();
    // A seeded walk of inserts and deletes: runs wrap around the end and resizes happen many times.
    let seed = 42;
    const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let step = 0; step < 20_000; step++) {
      const i = next(3_000);
      if (next(3) === 0) expect(table.delete(key(i).text)).toBe(live.delete(i));
      else {
        table.put(key(i));
        live.add(i);
      }
    }
    expect(table.size).toBe(live.size);
    for (let i = 0; i < 3_000; i++) expect(probe(table, `n${i}.example`)?.text).toBe(live.has(i) ? key(i).text : undefined);
    expect(new Set([...table.values()].map((item) => item.text))).toEqual(new Set([...live].map((i) => key(i).text)));
  });

  it('probes with a region of a longer text, ignoring its case', () => {
    const table = new RegionTable<Item>('dtn://'.length);
    table.put({ text: 'dtn://rover1.example.org' });
    const eid = 'dtn://ROVER1.Example.org/telemetry';
    expect(table.get(eid, 6, 24, regionHash(eid, 6, 24))?.text).toBe('dtn://rover1.example.org');
    expect(table.get(eid, 6, 23, regionHash(eid, 6, 23))).toBeUndefined();
  });

  it('replaces the item with the same key instead of adding one', () => {
    const table = new RegionTable<{ readonly text: string; readonly n: number }>(0);
    table.put({ text: 'example.org', n: 1 });
    table.put({ text: 'example.org', n: 2 });
    expect(table.size).toBe(1);
    expect(table.find('example.org')?.n).toBe(2);
  });
});
