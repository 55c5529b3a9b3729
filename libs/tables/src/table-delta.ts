import type { LocRibChange, RibAdvertisement } from '#libs/rib';
import { keyOf } from './table-key.ts';

/**
 * A table kept from the Loc-RIB for one target (a gateway's FIB, a peer's Adj-RIB-Out): which
 * best routes it holds and as what. `entryOf` answers the stored value of a route, or undefined
 * when the target does not take it; `fingerprint` is a stable text of what decides that, so a
 * table whose fingerprint changed is rebuilt.
 */
export interface TableTarget {
  /** A NATS token: the table's bucket is `<prefix>-<name>`. */
  readonly name: string;
  readonly fingerprint: string;
  entryOf(pattern: string, best: RibAdvertisement, causeSeq: number): string | undefined;
}

/** What one Loc-RIB change does to one table: a value put, or the key deleted. */
export interface TableDelta {
  readonly key: string;
  readonly value: string | undefined;
}

/**
 * The delta a Loc-RIB change makes to a target's table, if any: the new best route when the
 * target takes it, else removal of the old one when the target had it. It needs no state: whether
 * the table held a route follows from the route and `entryOf`, which is fixed for a fingerprint.
 */
export function deltaOf(target: TableTarget, change: LocRibChange): TableDelta | undefined {
  const value = change.best && target.entryOf(change.pattern, change.best, change.causeSeq);
  if (value !== undefined) return { key: keyOf(change.pattern), value };
  if (change.previous && target.entryOf(change.pattern, change.previous, change.causeSeq) !== undefined) return { key: keyOf(change.pattern), value: undefined };
  return undefined;
}
