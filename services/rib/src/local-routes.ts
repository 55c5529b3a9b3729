import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeRibInput } from '#libs/events';
import { attributesOf, type RibEvent, type RouteAttributes } from '#libs/rib';

/**
 * Locally originated routes into the RIB input (`<stream, lower case>.local`), in order, with the
 * ids of this one publication (`<kind>-<uuid>-<i>`): a publish retried is stored once, and the same
 * routes published again later are applied again. Their export to peers is the policy service's.
 */
export async function publishLocal(nc: NatsConnection, ribInput: string, kind: string, events: readonly RibEvent[]): Promise<void> {
  const id = randomUUID();
  for (const [i, event] of events.entries()) await jetstream(nc).publish(`${ribInput.toLowerCase()}.local`, encodeRibInput(event), { msgID: `${kind}-${id}-${i}` });
}

/**
 * Routes of our own AD, originated or withdrawn, as the RIB input event `dpp originate` and
 * `dpp withdraw` write: routes of the neighbor `<AD> local`, with an empty AD_PATH (export
 * prepends our AD). Attributes not given are absent; the metric defaults to 0.
 */
export function localUpdate(
  ad: string,
  change: { readonly withdrawn?: { readonly patterns: readonly string[]; readonly validFrom: number | undefined }; readonly accepted?: Partial<RouteAttributes> & { readonly patterns: readonly string[] } },
): RibEvent {
  const accepted = change.accepted;
  return {
    type: 'update',
    seq: 0,
    neighbor: `${ad} local`,
    peerAd: ad,
    withdrawn: change.withdrawn ? [change.withdrawn] : [],
    accepted: accepted ? [{ patterns: accepted.patterns, ...attributesOf({ adPath: [], metric: 0, transitive: [], ...accepted }) }] : [],
    rejected: [],
  };
}
