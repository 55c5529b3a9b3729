import { Result, Schema } from 'effect';
import type { LocRibChange } from '#libs/rib';
import { decodeJson } from '#libs/events';
import { fibEntryOf, type FibEntry } from './fib-entry.ts';
import { receives, type GatewaySpec } from './gateway-spec.ts';

/** What one Loc-RIB change does to one gateway's FIB. */
export type FibDelta = { readonly op: 'put'; readonly entry: FibEntry } | { readonly op: 'delete'; readonly pattern: string };

/**
 * The delta a Loc-RIB change makes to a gateway's FIB, if any: the new best route when the gateway
 * receives it, else removal of the old one when the gateway had it. It needs no state: whether a
 * gateway had a route follows from the route and the gateway's spec.
 */
export function deltaFor(gateway: GatewaySpec, change: LocRibChange): FibDelta | undefined {
  if (change.best && receives(gateway, change.pattern, change.best)) return { op: 'put', entry: fibEntryOf(change.pattern, change.best, change.causeSeq) };
  if (change.previous && receives(gateway, change.pattern, change.previous)) return { op: 'delete', pattern: change.pattern };
  return undefined;
}

/**
 * A FIB entry's key in its gateway's KV bucket: the pattern in base64url, since pattern text holds
 * characters NATS subjects do not allow (`.`, `*`, `>`); prefixed, so other keys can live beside.
 */
export const keyOf = (pattern: string): string => `p.${Buffer.from(pattern).toString('base64url')}`;

export const patternOfKey = (key: string): string | undefined => (key.startsWith('p.') ? Buffer.from(key.slice(2), 'base64url').toString() : undefined);

const FibEntryV1 = Schema.Struct({
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
