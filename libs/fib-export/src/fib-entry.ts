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

export const FibEntryV1 = Schema.Struct({
  v: Schema.Literal(1),
  pattern: Schema.String,
  nextHop: Schema.String,
  bandwidthBps: Schema.optional(Schema.String),
  maxBundleSize: Schema.optional(Schema.Int),
  validFrom: Schema.optional(Schema.Finite),
  validUntil: Schema.optional(Schema.Finite),
  peerAd: Schema.String,
  adPath: Schema.Array(Schema.String),
  causeSeq: Schema.Int,
});

/** A FIB entry's value in the bucket, version 1 (JSON). */
export const encodeFibEntry = (entry: FibEntry): string => JSON.stringify({ v: 1, ...entry });

const HEAD = '{"v":1,"pattern":';
/** What follows the pattern in the text of an advertisement's entries, for the cause it was last asked for. */
const tails = new WeakMap<RibAdvertisement, { readonly causeSeq: number; readonly tail: string }>();

/**
 * `encodeFibEntry(fibEntryOf(pattern, a, causeSeq))`, with what follows the pattern made once per
 * advertisement and cause: the changes of a table load give one advertisement object (libs/events
 * decodeLocRibChanges) to each of its patterns, a hundred or a thousand of them.
 */
export function fibEntryText(pattern: string, a: RibAdvertisement, causeSeq: number): string {
  let known = tails.get(a);
  if (known?.causeSeq !== causeSeq) tails.set(a, (known = { causeSeq, tail: encodeFibEntry(fibEntryOf('', a, causeSeq)).slice(HEAD.length + 2) }));
  return HEAD + JSON.stringify(pattern) + known.tail;
}

/** A stored FIB entry read back with validation, or why it is not one. */
export function decodeFibEntry(json: string): Result.Result<FibEntry, string> {
  const decoded = decodeJson(FibEntryV1, json);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const e = decoded.success;
  return Result.succeed({
    pattern: e.pattern,
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
