import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overlaps } from '#libs/eid';
import { OriginTable, type OriginEntry } from '../src/origin-table.ts';
import { anyPattern } from '../../../test/harness/arbitraries.ts';

describe('origin authorization table index', () => {
  it('finds, for any route, exactly the entries a scan of the whole table finds, in table order (property)', () => {
    const entry = fc.record({ origin: fc.constantFrom('a.org', 'b.org'), patterns: fc.array(anyPattern, { minLength: 1, maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), anyPattern, (entries, route) => {
        const table = new OriginTable(entries);
        const concerns = (e: OriginEntry) => e.patterns.some((p) => overlaps(p, route));
        expect(table.candidates(route).filter(concerns)).toEqual(entries.filter(concerns));
      }),
      { numRuns: 2_000 },
    );
  });
});
