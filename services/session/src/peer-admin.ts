import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import type { PeerDisabled } from '#libs/api';
import { decodeLoggedEvent, peerAdminSubjects } from '#libs/events';
import { lastPerSubject, type LastMessage } from '#libs/streams';
import type { EventLogConfig } from '#libs/service-config';

/**
 * The peers disabled now, from the last admin event of each peer (pure): a peer whose last event
 * is a disable. An event that does not decode is said and skipped: the peer keeps the state of no event.
 */
export function disabledPeers(last: Iterable<LastMessage>, log: (line: Record<string, unknown>) => void): Map<string, PeerDisabled> {
  const disabled = new Map<string, PeerDisabled>();
  for (const { value } of last) {
    const event = decodeLoggedEvent(value);
    if (Result.isFailure(event) || event.success.kind !== 'peer-admin') {
      log({ level: 'error', msg: 'peer admin event skipped: not a v1 peer-admin event', error: Result.isFailure(event) ? event.failure : `kind ${event.success.kind}` });
      continue;
    }
    if (event.success.action === 'disable') disabled.set(event.success.peerAd, { at: event.success.at, reason: event.success.reason });
  }
  return disabled;
}

/**
 * Follows the operators' peer-admin events in the peer log (one long-lived consumer, the last
 * event of each peer): resolves once the log's state is read, so a session service starting
 * knows which peers are disabled before it dials or accepts any, then calls `onChange` with the
 * disabled peers at each change.
 */
export async function followPeerAdmin(
  nc: NatsConnection,
  eventLog: EventLogConfig,
  options: { readonly log: (line: Record<string, unknown>) => void; readonly onChange: (disabled: ReadonlyMap<string, PeerDisabled>) => void },
): Promise<{ stop(): Promise<void> }> {
  const prefix = peerAdminSubjects(eventLog.subjectPrefix).slice(0, -1);
  const follower = lastPerSubject(nc, eventLog.stream, prefix, {
    log: options.log,
    onChange: () => options.onChange(disabledPeers(follower.entries.values(), options.log)),
  });
  await follower.ready;
  return { stop: () => follower.close() };
}
