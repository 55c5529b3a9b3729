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
  then: Schema.optional(Schema.Literals(['accept', 'reject', 'next'])),
  reason: Schema.optional(Schema.NonEmptyString),
});

/**
 * The `policy:` section of a config (README, "Import policy"): named pattern sets, the origin
 * authorization table (§9.3), and the import chains per peer with a default.
 */
export const PolicyFile = Schema.Struct({
  pattern_sets: Schema.optional(Schema.Record(Schema.String, Schema.Array(Schema.NonEmptyString))),
  origin_authorization: Schema.optional(
    Schema.Struct({
      on_invalid: Schema.optional(Schema.Literals(['reject', 'accept'])),
      table: Schema.Array(Schema.Struct({ origin: Schema.NonEmptyString, patterns: Schema.Array(Schema.NonEmptyString) })),
    }),
  ),
  import: Schema.optional(
    Schema.Struct({
      default: Schema.optional(Schema.Literals(['accept', 'reject'])),
      chains: Schema.optional(Schema.Array(Schema.Struct({ peers: Schema.Array(Schema.NonEmptyString), rules: Schema.Array(Rule) }))),
    }),
  ),
});

export type PolicyFile = typeof PolicyFile.Type;
