import { labelFits, type DtnWildcard } from '#libs/eid';
import { better, insertRanked, removeWhere, type FibEntry } from './fib-entry.ts';

interface Ranked<V> {
  readonly wildcard: DtnWildcard;
  readonly entry: FibEntry<V>;
}

/**
 * The wildcard patterns of one domain (`rover*.example.org`, `*.example.org`, ... under
 * `example.org`), keyed by the literal prefix of their left-most label. A lookup tries each
 * prefix length in use once: one hash probe per length, not one comparison per pattern.
 */
export class DtnWildcards<V> {
  readonly #byPrefix = new Map<string, Ranked<V>[]>();
  /** prefix length → number of prefixes of that length */
  readonly #lengths = new Map<number, number>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  find(wildcard: DtnWildcard, text: string): FibEntry<V> | undefined {
    return this.#byPrefix.get(wildcard.labelPrefix)?.find((r) => r.entry.text === text)?.entry;
  }

  *values(): IterableIterator<FibEntry<V>> {
    for (const list of this.#byPrefix.values()) for (const r of list) yield r.entry;
  }

  insert(wildcard: DtnWildcard, entry: FibEntry<V>): void {
    const prefix = wildcard.labelPrefix;
    let list = this.#byPrefix.get(prefix);
    if (list === undefined) {
      this.#byPrefix.set(prefix, (list = []));
      this.#lengths.set(prefix.length, (this.#lengths.get(prefix.length) ?? 0) + 1);
    }
    insertRanked(list, { wildcard, entry }, (r) => r.entry);
    this.#size++;
  }

  remove(wildcard: DtnWildcard, text: string): boolean {
    const prefix = wildcard.labelPrefix;
    const list = this.#byPrefix.get(prefix);
    if (list === undefined || !removeWhere(list, (r) => r.entry.text === text)) return false;
    this.#size--;
    if (list.length === 0) {
      this.#byPrefix.delete(prefix);
      const left = (this.#lengths.get(prefix.length) ?? 1) - 1;
      if (left === 0) this.#lengths.delete(prefix.length);
      else this.#lengths.set(prefix.length, left);
    }
    return true;
  }

  /** The best pattern whose '*' fits the left-most label of a name in this domain. */
  best(label: string): FibEntry<V> | undefined {
    let found: FibEntry<V> | undefined;
    for (const length of this.#lengths.keys()) {
      if (length > label.length) continue;
      const list = this.#byPrefix.get(label.slice(0, length));
      // Best first: the first that fits is the best of its prefix.
      const hit = list?.find((r) => labelFits(r.wildcard, label));
      found = better(found, hit?.entry);
    }
    return found;
  }
}
