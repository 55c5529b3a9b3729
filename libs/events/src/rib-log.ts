import { Result, Schema } from 'effect';
import type { LocRibChange, RibEvent, RibRoute } from '#libs/rib';
import { decodeJson } from './decode-json.ts';

const Route = Schema.Struct({
  neighbor: Schema.String,
  peerAd: Schema.String,
  pattern: Schema.String,
  adPath: Schema.Array(Schema.String),
  metric: Schema.Int,
  gatewayEid: Schema.optional(Schema.String),
  validFrom: Schema.optional(Schema.Finite),
  validUntil: Schema.optional(Schema.Finite),
  bandwidthBps: Schema.optional(Schema.String),
  maxBundleSize: Schema.optional(Schema.Int),
  transitive: Schema.Array(Schema.Struct({ typeId: Schema.Int, value: Schema.String })),
});

/**
 * A RIB input event in the log, version 1: an import verdict or a recorded clock value. It holds
 * no sequence number: the RIB takes the log sequence it reads the event at.
 */
const RibInputV1 = Schema.Union([
  Schema.Struct({ v: Schema.Literal(1), type: Schema.Literal('neighbor-up'), neighbor: Schema.String, peerAd: Schema.String }),
  Schema.Struct({ v: Schema.Literal(1), type: Schema.Literal('neighbor-down'), neighbor: Schema.String, staleUntil: Schema.optional(Schema.Finite) }),
  Schema.Struct({
    v: Schema.Literal(1),
    type: Schema.Literal('update'),
    neighbor: Schema.String,
    withdrawn: Schema.Array(Schema.Struct({ pattern: Schema.String, validFrom: Schema.optional(Schema.Finite) })),
    accepted: Schema.Array(Route),
    rejected: Schema.Array(Schema.Struct({ pattern: Schema.String, rule: Schema.String, reason: Schema.String })),
  }),
  Schema.Struct({ v: Schema.Literal(1), type: Schema.Literal('clock'), now: Schema.Finite }),
]);

type RouteV1 = typeof Route.Type;

/** JSON drops undefined fields: a decoded route gets them back, so it is a RibRoute again. */
const route = (r: RouteV1): Omit<RibRoute, 'receivedSeq'> => ({
  neighbor: r.neighbor,
  peerAd: r.peerAd,
  pattern: r.pattern,
  adPath: r.adPath,
  metric: r.metric,
  gatewayEid: r.gatewayEid,
  validFrom: r.validFrom,
  validUntil: r.validUntil,
  bandwidthBps: r.bandwidthBps,
  maxBundleSize: r.maxBundleSize,
  transitive: r.transitive,
});

/** The log form of a RIB input event (its sequence is the log's). */
export const encodeRibInput = (event: RibEvent): string => {
  const { seq: _, ...rest } = event;
  return JSON.stringify({ v: 1, ...rest });
};

/** A RIB input event read back at log sequence `seq`, or why it cannot be applied. */
export function decodeRibInput(json: string, seq: number): Result.Result<RibEvent, string> {
  const decoded = decodeJson(RibInputV1, json);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const e = decoded.success;
  switch (e.type) {
    case 'neighbor-up':
      return Result.succeed({ type: e.type, seq, neighbor: e.neighbor, peerAd: e.peerAd });
    case 'neighbor-down':
      return Result.succeed({ type: e.type, seq, neighbor: e.neighbor, staleUntil: e.staleUntil });
    case 'update':
      return Result.succeed({
        type: e.type,
        seq,
        neighbor: e.neighbor,
        withdrawn: e.withdrawn.map((w) => ({ pattern: w.pattern, validFrom: w.validFrom })),
        accepted: e.accepted.map(route),
        rejected: e.rejected,
      });
    case 'clock':
      return Result.succeed({ type: e.type, seq, now: e.now });
    default:
      return e satisfies never;
  }
}

/** A Loc-RIB change in the log, version 1: what the FIB export and the Adj-RIB-Out follow. */
export const encodeLocRibChange = (change: LocRibChange): string =>
  JSON.stringify({ v: 1, pattern: change.pattern, best: change.best ?? null, previous: change.previous ?? null, causeSeq: change.causeSeq, at: change.at });
