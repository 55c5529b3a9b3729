import { Result } from 'effect';
import { currentPatternText } from '#libs/eid';
import { adName } from '#libs/identity';
import type { AcceptedAdvertisement, RibEvent, Rejection, Withdrawal } from '#libs/rib';
import { NotificationCode, peerMessageCodec, ROUTES_OUTLIVE, routesFromWire, type WirePatterns } from '#libs/wire';
import type { PeerEvent } from './peer-event.ts';

const codec = peerMessageCodec();

/** A neighbor is a peer AD and one of its speakers (§5.1.1): two speakers of an AD are two neighbors. */
export const neighborOf = (event: PeerEvent): string => `${event.peerAd} ${event.peerSpeakerId}`;

/**
 * A logged peer event as the RIB event it makes before import policy (which the import stage
 * then applies): every route accepted, loop detection being the RIB's. `seq` is the log sequence
 * the event was read at;
 * `restartMs` keeps a neighbor's routes that long after its session ends (0: drop them at once),
 * when it ended in a way routes may outlive (`ROUTES_OUTLIVE`).
 */
export function passThroughImport(event: PeerEvent, seq: number, restartMs: number): RibEvent {
  const neighbor = neighborOf(event);
  const staleUntil = (code: number) => (restartMs > 0 && ROUTES_OUTLIVE.has(code) ? event.receivedAt + restartMs : undefined);
  switch (event.kind) {
    case 'session-up':
      // What an earlier session whose end was never logged gets: the end of a lost transport (code 0).
      return { type: 'neighbor-up', seq, neighbor, peerAd: event.peerAd, staleUntil: staleUntil(NotificationCode.NONE), session: event.sessionId, since: event.receivedAt };
    case 'session-down':
      return { type: 'neighbor-down', seq, neighbor, staleUntil: staleUntil(event.code ?? NotificationCode.NONE), session: event.sessionId };
    case 'route-update':
      return { type: 'update', seq, neighbor, peerAd: event.peerAd, session: event.sessionId, ...routesOf(event) };
    default:
      return event.kind satisfies never;
  }
}

/**
 * The withdrawals and advertisements of a logged RouteUpdate; a pattern that does not decode is
 * rejected, and so is a route the session dropped over the peer's route limit. A route-update without message bytes, or bytes that are no PeerMessage, throws: the
 * event as a whole is corrupt and the caller quarantines it.
 */
function routesOf(event: PeerEvent): { withdrawn: Withdrawal[]; accepted: AcceptedAdvertisement[]; rejected: Rejection[] } {
  const rejected: Rejection[] = [];
  if (event.message === undefined) throw new Error('a route-update event without its message');
  const update = codec.decode(Buffer.from(event.message, 'base64')).update;
  const routes = update ? routesFromWire(update) : { withdrawals: [], announcements: [] };
  const valid = ({ patterns, invalid }: WirePatterns): readonly string[] => {
    for (const i of invalid) rejected.push({ pattern: JSON.stringify(i.pattern), rule: 'invalid-pattern', reason: i.why });
    return patterns;
  };
  // Those left with no pattern say nothing.
  const withdrawn = routes.withdrawals.map((w) => ({ patterns: valid(w), validFrom: w.validFrom })).filter((w) => w.patterns.length > 0);
  const dropped = new Set(event.overLimit?.routes.map((r) => `${currentPatternText(r.pattern)} ${r.validFrom}`));
  const accepted = routes.announcements
    .map(({ patterns, invalid, adPath, metric, ...attributes }) => ({
      patterns: valid({ patterns, invalid }).filter((pattern) => {
        if (!dropped.has(`${pattern} ${attributes.validFrom}`)) return true;
        rejected.push({ pattern, rule: 'route-limit', reason: `over the limit of ${event.overLimit!.limit} routes from ${event.peerAd} (§9.4; dropped by the session)` });
        return false;
      }),
      // AD names as dpp holds them everywhere (§5.3 compares identities): `C.Example.Test.` is c.example.test.
      adPath: adPath.map((ad) => Result.getOrElse(adName(ad), () => ad)),
      metric,
      ...attributes,
    }))
    .filter((a) => a.patterns.length > 0);
  return { withdrawn, accepted, rejected };
}
