import type { SessionConfig } from '#libs/session';
import { PeerClient, transportLimit } from './peer-service.ts';
import { runSession, type PeerStream, type SessionDeps, type SessionOutcome } from './session-runner.ts';
import { adAuthority, channelCredentials, type TlsFiles } from './tls.ts';

export interface PeerTarget {
  readonly ad: string;
  /** host:port to dial. */
  readonly address: string;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000 };

/**
 * The next wait before redialling: doubles each failed attempt up to the maximum, drawn between
 * half and all of it so that speakers that lost a peer together do not redial together.
 */
export const backoffDelay = (backoff: Backoff, attempt: number, random: () => number): number => {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
};

/**
 * The Initiator side for one configured peer: dials, runs the session, and when it ends dials
 * again after a backoff, which restarts from the beginning after a session that was established.
 */
export function dialPeer(
  peer: PeerTarget,
  tls: TlsFiles | 'plaintext-lab',
  config: SessionConfig,
  deps: SessionDeps,
  options: { backoff: Backoff; maxMessageBytes: number; onOutcome?: (outcome: SessionOutcome) => void },
): { stop(): Promise<void> } {
  const Client = PeerClient(options.maxMessageBytes);
  let stopped = false;
  let current: { stop(reason: string): void; done: Promise<SessionOutcome> } | undefined;
  let wake: () => void = () => undefined;
  const loop = (async () => {
    for (let attempt = 0; !stopped; ) {
      const client = new Client(peer.address, channelCredentials(tls, peer.ad), { ...adAuthority(peer.ad), ...transportLimit(options.maxMessageBytes) });
      current = runSession('initiator', config, (client as unknown as { Peer(): PeerStream }).Peer(), deps, peer.ad);
      const outcome = await current.done;
      client.close();
      options.onOutcome?.(outcome);
      attempt = outcome.established ? 0 : attempt + 1;
      if (stopped) break;
      const delay = backoffDelay(options.backoff, attempt, Math.random);
      deps.log({ level: 'info', msg: 'redialling', peerAd: peer.ad, inMs: Math.round(delay), after: outcome.reason });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      current?.stop('speaker shutting down');
      wake();
      await loop;
    },
  };
}
