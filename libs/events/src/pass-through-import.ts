import { formatPattern, patternFromWire } from '#libs/eid';
import type { AcceptedAdvertisement, RibEvent, Rejection, Withdrawal } from '#libs/rib';
import { peerMessageCodec, type RouteAdvertisement__Output, type Timestamp__Output } from '#libs/wire';
import type { PeerEvent } from './peer-event.ts';

const codec = peerMessageCodec();

/** A neighbor is a peer AD and one of its speakers (§5.1.1): two speakers of an AD are two neighbors. */
export const neighborOf = (event: PeerEvent): string => `${event.peerAd} ${event.peerSpeakerId}`;

/**
 * The import stage until the policy service lands: every route is accepted (loop detection is
 * the RIB's). It has the policy stage's shape, one RIB event per peer event, so the policy service
 * replaces it without the RIB changing. `seq` is the log sequence the event was read at;
 * `restartMs` keeps a neighbor's routes that long after its session ends (0: drop them at once).
 */
export function passThroughImport(event: PeerEvent, seq: number, restartMs: number): RibEvent {
  const neighbor = neighborOf(event);
  switch (event.kind) {
    case 'session-up':
      return { type: 'neighbor-up', seq, neighbor, peerAd: event.peerAd };
    case 'session-down':
      return { type: 'neighbor-down', seq, neighbor, staleUntil: restartMs > 0 ? event.receivedAt + restartMs : undefined };
    case 'route-update':
      return { type: 'update', seq, neighbor, peerAd: event.peerAd, ...routesOf(event) };
    default:
      return event.kind satisfies never;
  }
}

/**
 * The withdrawals and advertisements of a logged RouteUpdate; a pattern that does not decode is
 * rejected. A route-update without message bytes, or bytes that are no PeerMessage, throws: the
 * event as a whole is corrupt and the caller quarantines it.
 */
function routesOf(event: PeerEvent): { withdrawn: Withdrawal[]; accepted: AcceptedAdvertisement[]; rejected: Rejection[] } {
  const rejected: Rejection[] = [];
  if (event.message === undefined) throw new Error('a route-update event without its message');
  const update = codec.decode(Buffer.from(event.message, 'base64')).update;
  const canonical = (patterns: readonly Parameters<typeof patternFromWire>[0][]): string[] =>
    patterns.flatMap((pattern) => {
      const parsed = patternFromWire(pattern);
      if (parsed.ok) return [formatPattern(parsed.value)];
      rejected.push({ pattern: JSON.stringify(pattern), rule: 'invalid-pattern', reason: parsed.error.message });
      return [];
    });
  // Those left with no pattern say nothing.
  const withdrawn = (update?.withdrawals ?? []).map((w) => ({ patterns: canonical(w.patterns), validFrom: ms(w.valid_from) })).filter((w) => w.patterns.length > 0);
  const accepted = (update?.announcements ?? []).map((a) => ({ patterns: canonical(a.patterns), adPath: a.ad_path, metric: a.metric, ...attributesOf(a) })).filter((a) => a.patterns.length > 0);
  return { withdrawn, accepted, rejected };
}

/** §6.3, §6.4: the known attributes, and the unknown ones marked transitive; a repeated attribute's last value counts. */
function attributesOf(a: RouteAdvertisement__Output): Omit<AcceptedAdvertisement, 'patterns' | 'adPath' | 'metric'> {
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
        validFrom = ms(attribute.valid_from);
        break;
      case 'valid_until':
        validUntil = ms(attribute.valid_until);
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
const ms = (ts: Timestamp__Output | null | undefined): number | undefined =>
  ts === null || ts === undefined ? undefined : Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
