import type { IpnAllocatorPattern, IpnPart } from '#libs/eid';
import { better, insertRanked, removeWhere, type FibEntry } from './fib-entry.ts';

/**
 * The node ranges of one allocator, or the service ranges of one node. Each range [min-max] is stored as the aligned power-of-two
 * blocks that tile it (at most 62, the way a CIDR set tiles an address range), keyed by block size
 * and block number; a lookup probes one hash per block size in use, never scanning the ranges.
 */
export class RangeIndex<V> {
  /** block bits → block number → the ranges that cover the block, best first */
  readonly #levels = new Map<number, Map<number, FibEntry<V>[]>>();
  readonly #byText = new Map<string, FibEntry<V>>();
  /** The part of a pattern whose range this index holds. */
  readonly #rangeOf: (pattern: IpnAllocatorPattern) => IpnPart;

  constructor(rangeOf: (pattern: IpnAllocatorPattern) => IpnPart) {
    this.#rangeOf = rangeOf;
  }

  get size(): number {
    return this.#byText.size;
  }

  find(text: string): FibEntry<V> | undefined {
    return this.#byText.get(text);
  }

  values(): IterableIterator<FibEntry<V>> {
    return this.#byText.values();
  }

  insert(entry: FibEntry<V>): void {
    this.#byText.set(entry.text, entry);
    for (const [bits, block] of tile(entry, this.#rangeOf)) {
      let blocks = this.#levels.get(bits);
      if (blocks === undefined) this.#levels.set(bits, (blocks = new Map()));
      let list = blocks.get(block);
      if (list === undefined) blocks.set(block, (list = []));
      insertRanked(list, entry, (e) => e);
    }
  }

  remove(text: string): void {
    const entry = this.#byText.get(text);
    if (entry === undefined) return;
    this.#byText.delete(text);
    for (const [bits, block] of tile(entry, this.#rangeOf)) {
      const blocks = this.#levels.get(bits);
      const list = blocks?.get(block);
      if (blocks === undefined || list === undefined) continue;
      removeWhere(list, (e) => e === entry);
      if (list.length === 0) blocks.delete(block);
      if (blocks.size === 0) this.#levels.delete(bits);
    }
  }

  /** The best range holding the number (of those whose value `usable` accepts). */
  best(node: number, usable?: (value: V) => boolean): FibEntry<V> | undefined {
    let found: FibEntry<V> | undefined;
    for (const [bits, blocks] of this.#levels) {
      const list = blocks.get(Math.floor(node / 2 ** bits));
      found = better(found, usable ? list?.find((e) => usable(e.value)) : list?.[0]);
    }
    return found;
  }
}

/** The aligned blocks [bits, block number] that tile a range entry's numbers exactly. */
function* tile(entry: FibEntry<unknown>, rangeOf: (pattern: IpnAllocatorPattern) => IpnPart): Generator<[number, number]> {
  const node = rangeOf(entry.pattern as IpnAllocatorPattern);
  if (node.kind !== 'range') throw new Error(`RangeIndex given ${entry.text}, which is not a range here`);
  for (let lo = node.min; lo <= node.max; ) {
    // The largest block aligned at lo (lo's lowest set bit; all 32 bits at 0) that stays inside the range.
    let bits = lo === 0 ? 32 : 31 - Math.clz32(lo & -lo);
    while (lo + 2 ** bits - 1 > node.max) bits--;
    yield [bits, lo / 2 ** bits];
    lo += 2 ** bits;
  }
}
