import { EMPTY_HASH, extendHash, labelFits, type DtnWildcard } from '#libs/eid';
import { better, insertRanked, removeWhere, type FibEntry } from './fib-entry.ts';
import { flatKey, RegionTable } from './region-table.ts';

interface Ranked<V> {
  readonly wildcard: DtnWildcard;
  readonly entry: FibEntry<V>;
}

/** The wildcard patterns that share one literal label prefix, best first. */
interface PrefixList<V> {
  readonly text: string;
  readonly ranked: Ranked<V>[];
}

/**
 * The wildcard patterns of one domain (`rover*.example.org`, `*.example.org`, ... under
 * `example.org`), keyed by the literal prefix of their left-most label. A lookup tries each
 * prefix length in use once, hashing the label incrementally: one probe per length, not one
 * comparison per pattern.
 */
export class DtnWildcards<V> {
  /** The domain, which keys this object in the FIB. */
  readonly text: string;
  readonly #byPrefix = new RegionTable<PrefixList<V>>(0);
  /** Prefix lengths in use, ascending, and how many prefixes have each. */
  #lengths: number[] = [];
  readonly #prefixesOfLength = new Map<number, number>();
  #size = 0;

  constructor(domain: string) {
    this.text = flatKey(domain);
  }

  get size(): number {
    return this.#size;
  }

  find(wildcard: DtnWildcard, text: string): FibEntry<V> | undefined {
    return this.#byPrefix.find(wildcard.labelPrefix)?.ranked.find((r) => r.entry.text === text)?.entry;
  }

  *values(): IterableIterator<FibEntry<V>> {
    for (const list of this.#byPrefix.values()) for (const r of list.ranked) yield r.entry;
  }

  insert(wildcard: DtnWildcard, entry: FibEntry<V>): void {
    const prefix = wildcard.labelPrefix;
    let list = this.#byPrefix.find(prefix);
    if (list === undefined) {
      this.#byPrefix.put((list = { text: flatKey(prefix), ranked: [] }));
      this.#countLength(prefix.length, +1);
    }
    insertRanked(list.ranked, { wildcard, entry }, (r) => r.entry);
    this.#size++;
  }

  remove(wildcard: DtnWildcard, text: string): void {
    const prefix = wildcard.labelPrefix;
    const list = this.#byPrefix.find(prefix);
    if (list === undefined || !removeWhere(list.ranked, (r) => r.entry.text === text)) return;
    this.#size--;
    if (list.ranked.length === 0) {
      this.#byPrefix.delete(prefix);
      this.#countLength(prefix.length, -1);
    }
  }

  /** The best pattern whose '*' fits the left-most label text[start, end) of a name in this domain (and whose value `usable` accepts). */
  best(text: string, start: number, end: number, usable?: (value: V) => boolean): FibEntry<V> | undefined {
    let found: FibEntry<V> | undefined;
    let hash = EMPTY_HASH;
    let hashed = start;
    const lengths = this.#lengths;
    for (let l = 0; l < lengths.length; l++) {
      const length = lengths[l]!;
      if (start + length > end) break;
      hash = extendHash(hash, text, hashed, (hashed = start + length));
      const list = this.#byPrefix.get(text, start, hashed, hash);
      if (list === undefined) continue;
      // Best first: the first that fits is the best of its prefix.
      for (const r of list.ranked) {
        if (labelFits(r.wildcard, text, start, end) && (!usable || usable(r.entry.value))) {
          found = better(found, r.entry);
          break;
        }
      }
    }
    return found;
  }

  #countLength(length: number, delta: 1 | -1): void {
    const count = (this.#prefixesOfLength.get(length) ?? 0) + delta;
    if (count > 0) this.#prefixesOfLength.set(length, count);
    else this.#prefixesOfLength.delete(length);
    this.#lengths = [...this.#prefixesOfLength.keys()].sort((a, b) => a - b);
  }
}
