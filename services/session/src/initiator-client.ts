import type { SessionConfig } from '#libs/session';
import { PeerClient, transportLimit } from './peer-service.ts';
import { runSession, type PeerStream, type SessionDeps, type SessionHandle, type SessionOutcome } from './session-runner.ts';
import { adAuthority, channelCredentials } from './tls.ts';
import type { Backoff, PeerTarget, TlsFiles } from '#libs/service-config';

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
): { session(): SessionHandle | undefined; stop(reason?: string): Promise<void> } {
  const Client = PeerClient(options.maxMessageBytes);
  let stopped = false;
  let current: SessionHandle | undefined;
  let wake: () => void = () => undefined;
  const loop = (async () => {
    for (let attempt = 0; !stopped; ) {
      let reason: string;
      try {
        const client = new Client(peer.address, channelCredentials(tls, peer.ad), { ...adAuthority(peer.ad), ...transportLimit(options.maxMessageBytes) });
        // As a Responder's lines name the address a session came from, ours name the one dialled.
        const log = (line: Record<string, unknown>) => deps.log({ peer: peer.address, ...line });
        current = runSession('initiator', config, (client as unknown as { Peer(): PeerStream }).Peer(), { ...deps, log }, peer.ad);
        const outcome = await current.done;
        await current.logged;
        client.close();
        options.onOutcome?.(outcome);
        attempt = outcome.established ? 0 : attempt + 1;
        reason = outcome.reason;
      } catch (error) {
        // A dial that cannot even start (bad TLS material, a bad address) backs off like a failed one.
        deps.log({ level: 'error', msg: 'dial failed', peerAd: peer.ad, error: (error as Error).message });
        attempt++;
        reason = (error as Error).message;
      }
      if (stopped) break;
      const delay = backoffDelay(options.backoff, attempt, Math.random);
      deps.log({ level: 'info', msg: 'redialling', peerAd: peer.ad, inMs: Math.round(delay), after: reason });
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
    session: () => current,
    /** Ends the dialling, and the session with a Notification saying why (by default, that the speaker stops). */
    stop: async (reason = 'speaker shutting down') => {
      stopped = true;
      current?.stop(reason);
      wake();
      await loop;
    },
  };
}
