import { parsePattern, type EidPattern } from '#libs/eid';

/** A FIB route as a lookup returns it: the pattern that matched, its canonical text and score, and its value. */
export interface FibMatch<V> {
  readonly pattern: EidPattern;
  readonly text: string;
  readonly score: number;
  readonly value: V;
}

/**
 * A route as the FIB stores it: its canonical text, score and value. The parsed pattern is made
 * again from the text when asked (the ranges' index, at insert and removal; an entry listed): a
 * gateway holding a million routes held 96 B of parsed pattern a route, which lookups never read.
 */
export class FibEntry<V> implements FibMatch<V> {
  readonly text: string;
  readonly score: number;
  value: V;

  constructor(text: string, score: number, value: V) {
    this.text = text;
    this.score = score;
    this.value = value;
  }

  get pattern(): EidPattern {
    const parsed = parsePattern(this.text);
    // The text is the canonical form of a pattern that was parsed on its way in.
    if (!parsed.ok) throw new Error(`a FIB entry holds ${this.text}, which is no pattern: ${parsed.error.message}`);
    return parsed.value;
  }
}

/**
 * The FIB's order among matches: higher specificity score first (§4.2), then the canonical text,
 * so that equal scores resolve the same way whatever order the routes arrived in.
 */
export const outranks = (a: FibMatch<unknown>, b: FibMatch<unknown>): boolean =>
  a.score > b.score || (a.score === b.score && a.text < b.text);

export const better = <V>(a: FibEntry<V> | undefined, b: FibEntry<V> | undefined): FibEntry<V> | undefined =>
  a === undefined || (b !== undefined && outranks(b, a)) ? b : a;

/** Inserts into a list kept best-first; lists here hold the few patterns that share one index key. */
export function insertRanked<T>(list: T[], item: T, entryOf: (t: T) => FibMatch<unknown>): void {
  const at = list.findIndex((other) => outranks(entryOf(item), entryOf(other)));
  if (at < 0) list.push(item);
  else list.splice(at, 0, item);
}

export function removeWhere<T>(list: T[], found: (t: T) => boolean): boolean {
  const at = list.findIndex(found);
  if (at >= 0) list.splice(at, 1);
  return at >= 0;
}
