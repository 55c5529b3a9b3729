import type { LocRibChange, RibAdvertisement } from '#libs/rib';
import { keyOf } from './table-key.ts';

/**
 * A table kept from the Loc-RIB for one target (a gateway's FIB, a peer's Adj-RIB-Out): which
 * routes it holds and as what, one entry per interval of a pattern's timeline. `entryOf` answers
 * the stored value of a route (its window is the interval's), or undefined when the target does
 * not take it, and `takes` whether it does, without making the value (a route that leaves needs
 * only that); `fingerprint` is a stable text of what decides both, so a table whose fingerprint
 * changed is rebuilt.
 */
export interface TableTarget {
  /** A NATS token: the table's bucket is `<prefix>-<name>`. */
  readonly name: string;
  readonly fingerprint: string;
  entryOf(pattern: string, best: RibAdvertisement, causeSeq: number): string | undefined;
  takes(pattern: string, best: RibAdvertisement): boolean;
}

/** What one Loc-RIB change does to one table: a value put, or the key deleted. */
export interface TableDelta {
  readonly key: string;
  readonly value: string | undefined;
}

/**
 * The deltas a Loc-RIB change makes to a target's table: the interval's new winner when the
 * target takes it, else removal of the old one when the target had it. It needs no state: whether
 * the table held a route follows from the route and `takes`, which is fixed for a fingerprint.
 * The RIB names an interval's old and new winner by one start; a change stream written before
 * timelines may name two (a best route replaced by one with another window): the old key goes.
 */
export function deltasOf(target: TableTarget, change: LocRibChange): TableDelta[] {
  const value = change.best && target.entryOf(change.pattern, change.best, change.causeSeq);
  const had = change.previous && target.takes(change.pattern, change.previous) ? keyOf(change.pattern, change.previous.validFrom) : undefined;
  const deltas: TableDelta[] = value !== undefined ? [{ key: keyOf(change.pattern, change.best!.validFrom), value }] : [];
  if (had !== undefined && had !== deltas[0]?.key) deltas.push({ key: had, value: undefined });
  return deltas;
}
