import type { FibValue } from '#libs/fib-export';
import { byWindowStart, inWindow } from '#libs/rib';

/**
 * A pattern's entries as a gateway's FIB holds them, without the pattern (the FIB's key): the one
 * entry when it has one (nearly every pattern: an array per route cost a gateway 184 B of heap a
 * route at 1M, measured), else several in window-start order (their windows never overlap). The
 * patterns of one advertisement hold one value object.
 */
export type HeldEntries = FibValue | readonly FibValue[];

export const entryCount = (held: HeldEntries | undefined): number => (held === undefined ? 0 : Array.isArray(held) ? held.length : 1);

/** The entries in window-start order. */
export const entriesOf = (held: HeldEntries | undefined): readonly FibValue[] => (held === undefined ? [] : Array.isArray(held) ? (held as readonly FibValue[]) : [held as FibValue]);

/** The held entry whose window holds the instant `at`. */
export const entryAt = (held: HeldEntries, at: number): FibValue | undefined =>
  Array.isArray(held) ? (held as readonly FibValue[]).find((e) => inWindow(e, at)) : inWindow(held as FibValue, at) ? (held as FibValue) : undefined;

/** The entries with the one of window start `validFrom` replaced by `entry` (undefined: removed). */
export function replaced(was: HeldEntries | undefined, validFrom: number | undefined, entry: FibValue | undefined): HeldEntries | undefined {
  // Nearly every change: a pattern with no entry, or with just this window's.
  if (was === undefined || (!Array.isArray(was) && (was as FibValue).validFrom === validFrom)) return entry;
  const others = entriesOf(was).filter((e) => e.validFrom !== validFrom);
  const entries = entry ? [...others, entry].sort(byWindowStart) : others;
  return entries.length === 0 ? undefined : entries.length === 1 ? entries[0] : entries;
}
