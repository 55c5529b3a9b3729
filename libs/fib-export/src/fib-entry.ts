import { Result, Schema } from 'effect';
import { parseEid } from '#libs/eid';
import { decodeJson } from '#libs/events';
import type { RibAdvertisement } from '#libs/rib';

/** A gateway's forwarding entry for one pattern: where bundles go, and the limits and window they go under. */
export interface FibEntry {
  readonly pattern: string;
  /** The next-hop gateway EID (§6.7). */
  readonly nextHop: string;
  /** uint64 as decimal text, as on the wire. */
  readonly bandwidthBps: string | undefined;
  readonly maxBundleSize: number | undefined;
  /** The window it forwards in (§6.5), ms since the epoch: an interval of the pattern's timeline; the FIB holds it from when it is known until it ends. */
  readonly validFrom: number | undefined;
  readonly validUntil: number | undefined;
  /** Provenance: the neighbor AD it was learned from, its AD_PATH, and the RIB input event that made it best. */
  readonly peerAd: string;
  readonly adPath: readonly string[];
  readonly causeSeq: number;
}

/**
 * §6.7: the explicit gateway_eid; else the AD identity of the peer that sent the route, used as is
 * when it is already an EID, otherwise `dtn://<dns name>/`.
 */
export function nextHopOf(a: Pick<RibAdvertisement, 'gatewayEid' | 'peerAd'>): string {
  if (a.gatewayEid !== undefined) return a.gatewayEid;
  return parseEid(a.peerAd).ok ? a.peerAd : `dtn://${a.peerAd}/`;
}

/** The entry an interval's winner (its window clipped to the interval) gives a pattern. */
export const fibEntryOf = (pattern: string, a: RibAdvertisement, causeSeq: number): FibEntry => ({
  pattern,
  nextHop: nextHopOf(a),
  bandwidthBps: a.bandwidthBps,
  maxBundleSize: a.maxBundleSize,
  validFrom: a.validFrom,
  validUntil: a.validUntil,
  peerAd: a.peerAd,
  adPath: a.adPath,
  causeSeq,
});

/** What a FIB entry's value holds besides its version, in both versions. */
const entryFields = {
  nextHop: Schema.String,
  bandwidthBps: Schema.optional(Schema.String),
  maxBundleSize: Schema.optional(Schema.Int),
  validFrom: Schema.optional(Schema.Finite),
  validUntil: Schema.optional(Schema.Finite),
  peerAd: Schema.String,
  adPath: Schema.Array(Schema.String),
  causeSeq: Schema.Int,
};

/** A FIB entry's value as tables wrote it before version 2, its pattern in it: read until the table is rebuilt. */
export const FibEntryV1 = Schema.Struct({ v: Schema.Literal(1), pattern: Schema.String, ...entryFields });

/**
 * A FIB entry's value, version 2: the entry without its pattern, which the table key holds. The
 * patterns of one advertisement then share one value text, which a table message writes once
 * (libs/tables table-stream.ts) and a gateway decodes once.
 */
export const FibEntryV2 = Schema.Struct({ v: Schema.Literal(2), ...entryFields });
const FibEntryValue = Schema.Union([FibEntryV2, FibEntryV1]);

/** A FIB entry's value in its table, version 2 (JSON). */
export const encodeFibEntry = ({ pattern: _, ...entry }: FibEntry): string => JSON.stringify({ v: 2, ...entry });

/** The value an advertisement's entries have, for the cause it was last asked for. */
const values = new WeakMap<RibAdvertisement, { readonly causeSeq: number; readonly value: string }>();

/**
 * `encodeFibEntry(fibEntryOf(pattern, a, causeSeq))` for any pattern, made once per advertisement
 * and cause: the changes of a table load give one advertisement object (libs/events
 * decodeLocRibChanges) to each of its patterns, a hundred or a thousand of them, and they all
 * get the one string.
 */
export function fibEntryValue(a: RibAdvertisement, causeSeq: number): string {
  let known = values.get(a);
  if (known?.causeSeq !== causeSeq) values.set(a, (known = { causeSeq, value: encodeFibEntry(fibEntryOf('', a, causeSeq)) }));
  return known.value;
}

/** What a table's value holds: a FIB entry without its pattern, which the key holds, so the patterns of one advertisement share one. */
export type FibValue = Omit<FibEntry, 'pattern'>;

/** The FIB entry a table holds for `pattern` (its key's), read back with validation, or why it is not one. */
export function decodeFibEntry(json: string, pattern: string): Result.Result<FibEntry, string> {
  return Result.map(decodeFibValue(json), (value) => ({ pattern, ...value }));
}

/** A table's value read back with validation, or why it is not one. */
export function decodeFibValue(json: string): Result.Result<FibValue, string> {
  const decoded = decodeJson(FibEntryValue, json);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const e = decoded.success;
  return Result.succeed({
    nextHop: e.nextHop,
    bandwidthBps: e.bandwidthBps,
    maxBundleSize: e.maxBundleSize,
    validFrom: e.validFrom,
    validUntil: e.validUntil,
    peerAd: e.peerAd,
    adPath: e.adPath,
    causeSeq: e.causeSeq,
  });
}
