import { createHash } from 'node:crypto';
import { Schema } from 'effect';

const Range = Schema.Struct({ min: Schema.optional(Schema.Finite), max: Schema.optional(Schema.Finite) });
const Attribute = Schema.Literals(['gateway_eid', 'bandwidth_bps', 'max_bundle_size', 'transitive']);

/** A rule's conditions: all of those given must hold (an empty match always holds). */
const Match = Schema.Struct({
  patterns_in: Schema.optional(Schema.NonEmptyString),
  ad_path_contains: Schema.optional(Schema.NonEmptyString),
  ad_path_length: Schema.optional(Range),
  origin_ad: Schema.optional(Schema.Array(Schema.NonEmptyString)),
  neighbor_ad: Schema.optional(Schema.Array(Schema.NonEmptyString)),
  has_window: Schema.optional(Schema.Boolean),
  bandwidth_bps: Schema.optional(Range),
  max_bundle_size: Schema.optional(Range),
});

const Rule = Schema.Struct({
  name: Schema.NonEmptyString,
  match: Schema.optional(Match),
  set: Schema.optional(
    Schema.Struct({
      metric: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
      gateway_eid: Schema.optional(Schema.NonEmptyString),
      bandwidth_bps: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
      max_bundle_size: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
    }),
  ),
  strip: Schema.optional(Schema.Array(Attribute)),
  /** Export only: send the route with the gateway it came with (§6.7) instead of ours. */
  keep_gateway: Schema.optional(Schema.Boolean),
  then: Schema.optional(Schema.Literals(['accept', 'reject', 'next'])),
  reason: Schema.optional(Schema.NonEmptyString),
});

const Chains = Schema.optional(Schema.Array(Schema.Struct({ peers: Schema.Array(Schema.NonEmptyString), rules: Schema.Array(Rule) })));

/**
 * The `policy:` section of a config (README, "Policy"): named pattern sets, the origin
 * authorization table (§9.3), and the import and export chains per peer, each with a default.
 */
export const PolicyFile = Schema.Struct({
  pattern_sets: Schema.optional(Schema.Record(Schema.String, Schema.Array(Schema.NonEmptyString))),
  origin_authorization: Schema.optional(
    Schema.Struct({
      on_invalid: Schema.optional(Schema.Literals(['reject', 'accept'])),
      table: Schema.Array(Schema.Struct({ origin: Schema.NonEmptyString, patterns: Schema.Array(Schema.NonEmptyString) })),
    }),
  ),
  import: Schema.optional(Schema.Struct({ default: Schema.optional(Schema.Literals(['accept', 'reject'])), chains: Chains })),
  export: Schema.optional(
    Schema.Struct({
      default: Schema.optional(Schema.Literals(['accept', 'reject'])),
      /** Our gateway, put on every route we send (§6.7); absent: none, so peers derive dtn://<our AD>/. */
      gateway_eid: Schema.optional(Schema.NonEmptyString),
      chains: Chains,
    }),
  ),
});

export type PolicyFile = typeof PolicyFile.Type;

/** A policy's version: a hash of the `policy:` section as written. */
export const policyVersion = (file: PolicyFile): string => createHash('sha256').update(JSON.stringify(file)).digest('hex').slice(0, 16);
