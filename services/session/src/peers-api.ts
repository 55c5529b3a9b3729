import type { NatsConnection } from '@nats-io/transport-node';
import { apiSubject, decodeRequest, PeerAction, PeersQuery, serveEndpoint, type PeerActionAnswer, type PeerDisabled, type PeersAnswer, type PeerView, type SessionEnd, type SessionStats } from '#libs/api';
import { adToken } from '#libs/tables';
import type { SessionOutcome } from './session-runner.ts';
import type { SpeakerConfig } from '#libs/service-config';

const endOf = (o: SessionOutcome | undefined): SessionEnd | undefined => (o === undefined ? undefined : { code: o.code, reason: o.reason, at: o.at, established: o.established });

/**
 * The peers of one session service (pure): those its config names, dialled or accepted, and any
 * other with a session here now, an end remembered or disabled, each with its sessions' stats and the last
 * Notification each way.
 */
export function peersView(
  state: { readonly config: SpeakerConfig; readonly sessions: readonly SessionStats[]; readonly lastEnds: ReadonlyMap<string, { sent?: SessionOutcome; received?: SessionOutcome }>; readonly disabled: ReadonlyMap<string, PeerDisabled> },
  only: string | undefined,
): PeerView[] {
  const { config } = state;
  const accepted = config.session.peers;
  const names = new Set<string>([
    ...config.dial.map((p) => p.ad),
    ...(accepted === 'any' ? [] : accepted),
    ...state.sessions.flatMap((s) => (s.peerAd === undefined ? [] : [s.peerAd])),
    ...state.lastEnds.keys(),
    ...state.disabled.keys(),
  ]);
  return [...names]
    .filter((peer) => only === undefined || peer === only)
    .sort()
    .map((peer) => ({
      peer,
      dial: config.dial.find((p) => p.ad === peer)?.address,
      accepted: accepted === 'any' || accepted.has(peer),
      disabled: state.disabled.get(peer),
      sessions: state.sessions.filter((s) => s.peerAd === peer),
      lastNotificationSent: endOf(state.lastEnds.get(peer)?.sent),
      lastNotificationReceived: endOf(state.lastEnds.get(peer)?.received),
    }));
}

/**
 * The session service's endpoints, every instance (site) answering (askAll): `session.peers`, and
 * `session.admin`: an operator's reset (each session with the peer ends with ADMINISTRATIVE_RESET,
 * which its session-down event in the log records with the reason) or refresh (the whole
 * Adj-RIB-Out sent again) of a peer's sessions here.
 */
export function servePeers(
  nc: NatsConnection,
  us: { readonly localAd: string; readonly speakerId: string },
  state: () => Parameters<typeof peersView>[0],
  sessionsWith: (peer: string) => readonly { reset(reason: string): void; refresh(): boolean }[],
  log: (line: Record<string, unknown>) => void,
): { stop(): void } {
  const peers = serveEndpoint(nc, apiSubject(adToken(us.localAd), 'session.peers'), {
    decode: decodeRequest(PeersQuery, 'a peers query'),
    answer: (query: typeof PeersQuery.Type): PeersAnswer => ({ speakerId: us.speakerId, peers: peersView(state(), query.peer) }),
    log,
  });
  const admin = serveEndpoint(nc, apiSubject(adToken(us.localAd), 'session.admin'), {
    decode: decodeRequest(PeerAction, 'a peer action'),
    answer: ({ peer, action, reason }: typeof PeerAction.Type): PeerActionAnswer => {
      const sessions = sessionsWith(peer);
      const why = `reset by an operator (dpp peer reset)${reason === undefined ? '' : `: ${reason}`}`;
      if (action === 'reset') for (const s of sessions) s.reset(why);
      const acted = action === 'reset' ? sessions.length : sessions.filter((s) => s.refresh()).length;
      log({ level: 'warn', msg: `peer ${action} by an operator`, peer, sessions: acted, reason });
      return { speakerId: us.speakerId, sessions: acted };
    },
    log,
  });
  return {
    stop: () => {
      peers.stop();
      admin.stop();
    },
  };
}
