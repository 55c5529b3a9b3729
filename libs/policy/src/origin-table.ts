import type { EidPattern } from '#libs/eid';

/** One entry of the origin authorization table (§9.3): the AD that may originate these patterns. */
export interface OriginEntry {
  readonly origin: string;
  readonly patterns: readonly EidPattern[];
}

/**
 * The origin authorization table, indexed so that a route is checked against the entries that can
 * concern it, not the whole table (a table of tens of thousands of entries, like an RPKI ROA set,
 * would otherwise cost that many comparisons per route): ipn entries by allocator, with those that
 * name `ipn:*` for every ipn route; dtn entries apart. The caller still checks `overlaps`.
 */
export class OriginTable {
  readonly entries: readonly OriginEntry[];
  readonly #byAllocator = new Map<number, OriginEntry[]>();
  readonly #ipnAny: OriginEntry[] = [];
  readonly #ipn: OriginEntry[] = [];
  readonly #dtn: OriginEntry[] = [];

  constructor(entries: readonly OriginEntry[]) {
    this.entries = entries;
    for (const entry of entries) {
      const ipn = entry.patterns.filter((p) => p.scheme === 'ipn');
      if (ipn.length > 0) this.#ipn.push(entry);
      if (ipn.some((p) => p.allocator === '*')) this.#ipnAny.push(entry);
      else for (const allocator of new Set(ipn.map((p) => p.allocator as number))) this.#byAllocator.set(allocator, [...(this.#byAllocator.get(allocator) ?? []), entry]);
      if (entry.patterns.some((p) => p.scheme === 'dtn')) this.#dtn.push(entry);
    }
  }

  /** The entries that may overlap a route's pattern, each once, in table order. */
  candidates(pattern: EidPattern): readonly OriginEntry[] {
    if (pattern.scheme === 'dtn') return this.#dtn;
    if (pattern.allocator === '*') return this.#ipn;
    const specific = this.#byAllocator.get(pattern.allocator);
    if (specific === undefined) return this.#ipnAny;
    if (this.#ipnAny.length === 0) return specific;
    return this.entries.filter((e) => specific.includes(e) || this.#ipnAny.includes(e));
  }
}
