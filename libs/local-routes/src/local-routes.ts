import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodeRibInput, encodeRibInput } from '#libs/events';
import { attributesOf, type RibEvent, type RouteAttributes } from '#libs/rib';
import { readLog } from '#libs/streams';

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

/**
 * The routes our AD originates now, as `<pattern> <valid_from or "-">`: the local events of the
 * RIB input read in order (`dpp originate` adds, `dpp withdraw` takes away, as the RIB applies
 * them, §6.6: a withdrawal names a scheduled route by its valid_from). What `dpp withdraw` checks
 * its patterns against, so that withdrawing what was never originated says so.
 */
export async function originatedRoutes(nc: NatsConnection, ribInput: string, ad: string): Promise<Set<string>> {
  const held = new Set<string>();
  const neighbor = `${ad} local`;
  for await (const m of readLog(nc, ribInput, undefined, `${ribInput.toLowerCase()}.local`)) {
    const event = decodeRibInput(m.string(), m.seq);
    if (Result.isFailure(event) || event.success.type !== 'update' || event.success.neighbor !== neighbor) continue;
    for (const w of event.success.withdrawn) for (const pattern of w.patterns) held.delete(routeKey(pattern, w.validFrom));
    for (const a of event.success.accepted) for (const pattern of a.patterns) held.add(routeKey(pattern, a.validFrom));
  }
  return held;
}

/** A route of ours by its pattern and window start (§6.6). */
export const routeKey = (pattern: string, validFrom: number | undefined): string => `${pattern} ${validFrom ?? '-'}`;
