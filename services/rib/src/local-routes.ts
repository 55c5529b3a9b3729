import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeRibInput } from '#libs/events';
import type { RibEvent } from '#libs/rib';

/**
 * Locally originated routes into the RIB input (`<stream, lower case>.local`), in order, with the
 * ids of this one publication (`<kind>-<uuid>-<i>`): a publish retried is stored once, and the same
 * routes published again later are applied again. Their export to peers is the policy service's.
 */
export async function publishLocal(nc: NatsConnection, ribInput: string, kind: string, events: readonly RibEvent[]): Promise<void> {
  const id = randomUUID();
  for (const [i, event] of events.entries()) await jetstream(nc).publish(`${ribInput.toLowerCase()}.local`, encodeRibInput(event), { msgID: `${kind}-${id}-${i}` });
}
