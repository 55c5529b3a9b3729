import {
  formatPattern,
  isDtnAny,
  parseEid,
  specificityScore,
  splitDtnWildcard,
  splitName,
  type DtnPattern,
  type Eid,
  type EidPattern,
  type IpnAllocatorPattern,
} from '#libs/eid';
import { DtnWildcards } from './dtn-wildcards.ts';
import { better, type FibEntry, type FibMatch } from './fib-entry.ts';
import { RangeIndex } from './range-index.ts';

/** The patterns of one ipn allocator. */
interface AllocatorTable<V> {
  readonly exact: Map<number, FibEntry<V>>;
  wildcard: FibEntry<V> | undefined;
  ranges: RangeIndex<V> | undefined;
}

/**
 * A forwarding table: EID patterns → values, answering which pattern is the most specific match
 * for a concrete EID (§4.2; equal scores go to the smaller canonical text). Every operation costs
 * a few hash probes whatever the table's size: exact patterns are hash keys; the kinds of
 * wildcard are ranked so that a lookup stops at the first kind that matches (an exact ipn node
 * scores 320, a node range 32–63, an allocator wildcard 32, `ipn:*` 0; an exact dtn name
 * 256 + length, any dtn wildcard under 256).
 */
export class Fib<V> {
  #size = 0;
  #ipnAny: FibEntry<V> | undefined;
  #dtnAny: FibEntry<V> | undefined;
  readonly #allocators = new Map<number, AllocatorTable<V>>();
  readonly #dtnExact = new Map<string, FibEntry<V>>();
  /** domain under the wildcard label → its wildcard patterns */
  readonly #dtnDomains = new Map<string, DtnWildcards<V>>();

  get size(): number {
    return this.#size;
  }

  /** The most specific route for an EID given as text; undefined when none matches or the text is no EID. */
  lookup(eid: string): FibMatch<V> | undefined {
    const parsed = parseEid(eid);
    return parsed.ok ? this.lookupEid(parsed.value) : undefined;
  }

  lookupEid(eid: Eid): FibMatch<V> | undefined {
    if (eid.scheme === 'dtn') return this.#lookupName(eid.authority);
    const table = this.#allocators.get(eid.allocator);
    if (table === undefined) return this.#ipnAny;
    // A range of over 2^31 nodes scores 32, as the allocator wildcard does: the tie is ranked, not assumed.
    return table.exact.get(eid.node) ?? better(table.ranges?.best(eid.node), table.wildcard) ?? this.#ipnAny;
  }

  #lookupName(name: string): FibMatch<V> | undefined {
    const exact = this.#dtnExact.get(name);
    if (exact !== undefined) return exact;
    const [label, domain] = splitName(name);
    return this.#dtnDomains.get(domain)?.best(label) ?? this.#dtnAny;
  }

  /** The value stored for exactly this pattern (not a lookup). */
  get(pattern: EidPattern): V | undefined {
    return this.#find(pattern, formatPattern(pattern))?.value;
  }

  set(pattern: EidPattern, value: V): void {
    const text = formatPattern(pattern);
    const existing = this.#find(pattern, text);
    if (existing !== undefined) {
      existing.value = value;
      return;
    }
    this.#insert({ pattern, text, score: specificityScore(pattern), value });
    this.#size++;
  }

  delete(pattern: EidPattern): boolean {
    const removed = this.#remove(pattern, formatPattern(pattern));
    if (removed) this.#size--;
    return removed;
  }

  *entries(): IterableIterator<FibMatch<V>> {
    if (this.#ipnAny) yield this.#ipnAny;
    for (const table of this.#allocators.values()) {
      yield* table.exact.values();
      if (table.ranges) yield* table.ranges.values();
      if (table.wildcard) yield table.wildcard;
    }
    if (this.#dtnAny) yield this.#dtnAny;
    yield* this.#dtnExact.values();
    for (const wildcards of this.#dtnDomains.values()) yield* wildcards.values();
  }

  #find(pattern: EidPattern, text: string): FibEntry<V> | undefined {
    if (pattern.scheme === 'dtn') {
      if (pattern.wildcardAt < 0) return this.#dtnExact.get(pattern.authority);
      if (isDtnAny(pattern)) return this.#dtnAny;
      const wildcard = splitDtnWildcard(pattern);
      return this.#dtnDomains.get(wildcard.domain)?.find(wildcard, text);
    }
    if (pattern.allocator === '*') return this.#ipnAny;
    const table = this.#allocators.get(pattern.allocator);
    const node = pattern.node;
    if (node.kind === 'exact') return table?.exact.get(node.node);
    return node.kind === 'wildcard' ? table?.wildcard : table?.ranges?.find(text);
  }

  #insert(entry: FibEntry<V>): void {
    const pattern = entry.pattern;
    if (pattern.scheme === 'dtn') return this.#insertName(pattern, entry);
    if (pattern.allocator === '*') {
      this.#ipnAny = entry;
      return;
    }
    const table = this.#table(pattern);
    const node = pattern.node;
    if (node.kind === 'exact') table.exact.set(node.node, entry);
    else if (node.kind === 'wildcard') table.wildcard = entry;
    else (table.ranges ??= new RangeIndex()).insert(entry);
  }

  #insertName(pattern: DtnPattern, entry: FibEntry<V>): void {
    if (pattern.wildcardAt < 0) {
      this.#dtnExact.set(pattern.authority, entry);
    } else if (isDtnAny(pattern)) {
      this.#dtnAny = entry;
    } else {
      const wildcard = splitDtnWildcard(pattern);
      let wildcards = this.#dtnDomains.get(wildcard.domain);
      if (wildcards === undefined) this.#dtnDomains.set(wildcard.domain, (wildcards = new DtnWildcards()));
      wildcards.insert(wildcard, entry);
    }
  }

  #table(pattern: IpnAllocatorPattern): AllocatorTable<V> {
    let table = this.#allocators.get(pattern.allocator);
    if (table === undefined) {
      table = { exact: new Map(), wildcard: undefined, ranges: undefined };
      this.#allocators.set(pattern.allocator, table);
    }
    return table;
  }

  #remove(pattern: EidPattern, text: string): boolean {
    if (this.#find(pattern, text) === undefined) return false;
    if (pattern.scheme === 'dtn') {
      if (pattern.wildcardAt < 0) this.#dtnExact.delete(pattern.authority);
      else if (isDtnAny(pattern)) this.#dtnAny = undefined;
      else this.#removeWildcardName(pattern, text);
      return true;
    }
    if (pattern.allocator === '*') {
      this.#ipnAny = undefined;
      return true;
    }
    const table = this.#table(pattern);
    const node = pattern.node;
    if (node.kind === 'exact') table.exact.delete(node.node);
    else if (node.kind === 'wildcard') table.wildcard = undefined;
    else table.ranges?.remove(text);
    if (table.exact.size === 0 && table.wildcard === undefined && !table.ranges?.size) {
      this.#allocators.delete(pattern.allocator);
    }
    return true;
  }

  #removeWildcardName(pattern: DtnPattern, text: string): void {
    const wildcard = splitDtnWildcard(pattern);
    const wildcards = this.#dtnDomains.get(wildcard.domain);
    wildcards?.remove(wildcard, text);
    if (wildcards?.size === 0) this.#dtnDomains.delete(wildcard.domain);
  }
}
