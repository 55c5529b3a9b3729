import { regionEquals, regionHash } from '#libs/eid';

/**
 * A flat copy of a key. Template literals make rope strings and slice() makes slices, and the
 * table reads its keys character by character on every probe, which on those goes through V8's
 * slow path. Keys are ASCII (validated names and digits), so a latin1 round trip is exact.
 */
export const flatKey = (key: string): string => Buffer.from(key, 'latin1').toString('latin1');

/** The hash bits kept in a slot: 30 bits stay a small integer, stored unboxed beside the item. */
const TAG_BITS = 0x3fff_ffff;
const GOLDEN = 0x9e37_79b1;

/**
 * A hash table of items keyed by their own `text` between a fixed offset and a fixed suffix
 * (`dtn://name/**` keyed by the name, `ipn:A.N.*` by `A.N`), and probed with a region of another string: the FIB
 * finds the name inside an EID's text by hashing and comparing those characters in place, so a
 * lookup builds no key string (slicing a key and hashing it anew costs more than the lookup).
 *
 * Open addressing with linear probing, at most half full. Each slot is a [tag, item] pair in one
 * array, so a probe reads one cache line before it touches an item; home slots come from the
 * tag's top bits (Fibonacci hashing). Deletion shifts the run back instead of leaving
 * tombstones, so the table never degrades under churn.
 */
export class RegionTable<T extends { readonly text: string }> {
  readonly #offset: number;
  readonly #suffix: number;
  #slots: unknown[] = new Array<unknown>(32).fill(undefined);
  #shift = 32 - 4;
  #size = 0;

  constructor(offset: number, suffix = 0) {
    this.#offset = offset;
    this.#suffix = suffix;
  }

  get size(): number {
    return this.#size;
  }

  /** The item keyed by text[start, end) (ASCII case ignored); `hash` is regionHash of that region. */
  get(text: string, start: number, end: number, hash: number): T | undefined {
    const slots = this.#slots;
    const mask = (slots.length >> 1) - 1;
    const tag = hash & TAG_BITS;
    const offset = this.#offset;
    const length = end - start;
    const keyLength = length + offset + this.#suffix;
    for (let i = Math.imul(tag, GOLDEN) >>> this.#shift; ; i = (i + 1) & mask) {
      const item = slots[2 * i + 1] as T | undefined;
      if (item === undefined) return undefined;
      if (slots[2 * i] === tag && item.text.length === keyLength && regionEquals(item.text, offset, text, start, length)) {
        return item;
      }
    }
  }

  /** The item whose key equals that of `text`, a string of the items' own form. */
  find(text: string): T | undefined {
    const end = text.length - this.#suffix;
    return this.get(text, this.#offset, end, regionHash(text, this.#offset, end));
  }

  /** Adds an item, replacing the one with the same key. */
  put(item: T): void {
    this.update(item.text, () => item);
  }

  /** Removes the item whose key equals that of `text`; false when there was none. */
  delete(text: string): boolean {
    let held = false;
    this.update(text, (item) => ((held = item !== undefined), undefined));
    return held;
  }

  /**
   * The item keyed as `text` (a string of the items' own form) replaced by what `next` makes of it
   * (undefined: removed), with one hash and one probe: a gateway loading a full table adds a
   * million keys, each of which a find and then a put probed twice.
   */
  update(text: string, next: (item: T | undefined) => T | undefined): void {
    const tag = this.#tagOf(text);
    const at = this.#slot(text, tag);
    const slots = this.#slots;
    const item = slots[2 * at + 1] as T | undefined;
    const replacement = next(item);
    if (replacement === item) return;
    if (replacement === undefined) return this.#vacate(at);
    if (item === undefined) this.#size++;
    slots[2 * at] = tag;
    slots[2 * at + 1] = replacement;
    if (this.#size * 4 > slots.length) this.#resize();
  }

  /** Empties a slot, moving back the items after it in its run (backward-shift deletion, no tombstones). */
  #vacate(at: number): void {
    const slots = this.#slots;
    const mask = (slots.length >> 1) - 1;
    let hole = at;
    // Later items of the run move into the hole unless their home lies cyclically after it (then a probe from home finds them where they are).
    for (let j = (hole + 1) & mask; slots[2 * j + 1] !== undefined; j = (j + 1) & mask) {
      const home = this.#home(slots[2 * j] as number);
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        slots[2 * hole] = slots[2 * j];
        slots[2 * hole + 1] = slots[2 * j + 1];
        hole = j;
      }
    }
    slots[2 * hole] = undefined;
    slots[2 * hole + 1] = undefined;
    this.#size--;
  }

  *values(): IterableIterator<T> {
    for (let i = 1; i < this.#slots.length; i += 2) if (this.#slots[i] !== undefined) yield this.#slots[i] as T;
  }

  #home(tag: number): number {
    return Math.imul(tag, GOLDEN) >>> this.#shift;
  }

  #tagOf(text: string): number {
    return regionHash(text, this.#offset, text.length - this.#suffix) & TAG_BITS;
  }

  /** The slot holding the key of `text` (whose tag is `tag`), or the empty slot where it would go. */
  #slot(text: string, tag: number): number {
    const offset = this.#offset;
    const end = text.length - this.#suffix;
    const slots = this.#slots;
    const mask = (slots.length >> 1) - 1;
    let i = this.#home(tag);
    for (; slots[2 * i + 1] !== undefined; i = (i + 1) & mask) {
      const item = slots[2 * i + 1] as T;
      if (slots[2 * i] === tag && item.text.length === text.length && regionEquals(item.text, offset, text, offset, end - offset)) break;
    }
    return i;
  }

  /** Twice the slots, each item moved by the tag it has (no key is hashed or compared again: they are all distinct). */
  #resize(): void {
    const old = this.#slots;
    const slots = (this.#slots = new Array<unknown>(old.length * 2).fill(undefined));
    this.#shift--;
    const mask = (slots.length >> 1) - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === undefined) continue;
      let at = this.#home(old[i] as number);
      while (slots[2 * at + 1] !== undefined) at = (at + 1) & mask;
      slots[2 * at] = old[i];
      slots[2 * at + 1] = old[i + 1];
    }
  }
}
