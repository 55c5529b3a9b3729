import { formatPattern, parsePattern, patternFromWire, patternToWire } from '#libs/eid';
import type { AcceptedAdvertisement, RouteAttributes } from '#libs/rib';
import type { EidPattern__Output } from '../generated/dtn/peering/v1/EidPattern.ts';
import type { RouteAdvertisement, RouteAdvertisement__Output } from '../generated/dtn/peering/v1/RouteAdvertisement.ts';
import type { RouteAttribute } from '../generated/dtn/peering/v1/RouteAttribute.ts';
import type { RouteUpdate__Output } from '../generated/dtn/peering/v1/RouteUpdate.ts';
import type { RouteWithdrawal } from '../generated/dtn/peering/v1/RouteWithdrawal.ts';
import type { Timestamp, Timestamp__Output } from '../generated/google/protobuf/Timestamp.ts';

/** A pattern of a RouteUpdate that is no valid pattern (§4.1, §7.6): as it came, its place in its list, and why. */
export interface InvalidWirePattern {
  readonly pattern: EidPattern__Output;
  readonly at: number;
  readonly why: string;
}

/** The patterns of one announcement or withdrawal: the valid ones in canonical text, in order, and those that are not. */
export interface WirePatterns {
  readonly patterns: readonly string[];
  readonly invalid: readonly InvalidWirePattern[];
}

/**
 * A RouteUpdate as routes (§6.1–§6.4): each pattern parsed and put in canonical text once, each
 * announcement's attributes read once. The one conversion of received routes: the session checks
 * and counts what it makes, and the import stage makes the same from the logged bytes (the peer
 * log keeps the bytes as received, docs/spec-notes.md §6.1–§6.4). AD_PATH entries are left as
 * they came: the session refuses a bad one, the import stage names the good ones as dpp holds them.
 */
export interface UpdateRoutes {
  readonly withdrawals: readonly (WirePatterns & { readonly validFrom: number | undefined })[];
  readonly announcements: readonly (WirePatterns & Omit<AcceptedAdvertisement, 'patterns' | 'rules'>)[];
}

export function routesFromWire(update: RouteUpdate__Output): UpdateRoutes {
  return {
    withdrawals: update.withdrawals.map((w) => ({ ...patternsFromWire(w.patterns), validFrom: timestampMs(w.valid_from) })),
    announcements: update.announcements.map((a) => ({ ...patternsFromWire(a.patterns), adPath: a.ad_path, metric: a.metric, ...attributesFromWire(a) })),
  };
}

function patternsFromWire(wire: readonly EidPattern__Output[]): WirePatterns {
  const patterns: string[] = [];
  const invalid: InvalidWirePattern[] = [];
  wire.forEach((pattern, at) => {
    const parsed = patternFromWire(pattern);
    if (parsed.ok) patterns.push(formatPattern(parsed.value));
    else invalid.push({ pattern, at, why: parsed.error.message });
  });
  return { patterns, invalid };
}

/** §6.3, §6.4: the known attributes, and the unknown ones marked transitive; a repeated attribute's last value counts. */
function attributesFromWire(a: RouteAdvertisement__Output): Omit<AcceptedAdvertisement, 'patterns' | 'adPath' | 'metric'> {
  let gatewayEid: string | undefined;
  let validFrom: number | undefined;
  let validUntil: number | undefined;
  let bandwidthBps: string | undefined;
  let maxBundleSize: number | undefined;
  const transitive: { typeId: number; value: string }[] = [];
  for (const attribute of a.attributes) {
    switch (attribute.attribute) {
      case 'gateway_eid':
        gatewayEid = attribute.gateway_eid;
        break;
      case 'valid_from':
        validFrom = timestampMs(attribute.valid_from);
        break;
      case 'valid_until':
        validUntil = timestampMs(attribute.valid_until);
        break;
      case 'bandwidth_bps':
        bandwidthBps = attribute.bandwidth_bps;
        break;
      case 'max_bundle_size':
        maxBundleSize = attribute.max_bundle_size;
        break;
      case 'unknown':
        if (attribute.unknown?.transitive) transitive.push({ typeId: attribute.unknown.type_id, value: Buffer.from(attribute.unknown.value).toString('base64') });
        break;
      default:
        break;
    }
  }
  return { gatewayEid, validFrom, validUntil, bandwidthBps, maxBundleSize, transitive };
}

/** A protobuf Timestamp as ms since the epoch; absent stays absent. */
const timestampMs = (ts: Timestamp__Output | null | undefined): number | undefined =>
  ts === null || ts === undefined ? undefined : Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);

/** A time in ms since the epoch as a protobuf Timestamp. */
const timestamp = (at: number): Timestamp => ({ seconds: String(Math.floor(at / 1000)), nanos: (at % 1000) * 1e6 });

/** Canonical pattern text on the wire (§7.6); the text comes from our own tables, so it parses. */
const wirePattern = (text: string) => {
  const parsed = parsePattern(text);
  const wire = parsed.ok ? patternToWire(parsed.value) : parsed;
  if (!wire.ok) throw new Error(`pattern ${text}: ${wire.error.message}`);
  return wire.value;
};

/** A RouteAdvertisement (§7.4) of patterns that share these attributes; a transitive unknown attribute goes out as it came (§6.4). */
export function advertisementToWire(patterns: readonly string[], a: RouteAttributes): RouteAdvertisement {
  const attributes: RouteAttribute[] = [
    ...(a.gatewayEid === undefined ? [] : [{ gateway_eid: a.gatewayEid }]),
    ...(a.validFrom === undefined ? [] : [{ valid_from: timestamp(a.validFrom) }]),
    ...(a.validUntil === undefined ? [] : [{ valid_until: timestamp(a.validUntil) }]),
    ...(a.bandwidthBps === undefined ? [] : [{ bandwidth_bps: a.bandwidthBps }]),
    ...(a.maxBundleSize === undefined ? [] : [{ max_bundle_size: a.maxBundleSize }]),
    ...a.transitive.map((t) => ({ unknown: { type_id: t.typeId, transitive: true, value: Buffer.from(t.value, 'base64') } })),
  ];
  return { patterns: patterns.map(wirePattern), ad_path: [...a.adPath], metric: a.metric, attributes };
}

/** A RouteWithdrawal (§6.6) of patterns, naming the window start of scheduled routes. */
export const withdrawalToWire = (patterns: readonly string[], validFrom: number | undefined): RouteWithdrawal => ({
  patterns: patterns.map(wirePattern),
  ...(validFrom === undefined ? {} : { valid_from: timestamp(validFrom) }),
});
