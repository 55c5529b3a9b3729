import { signNonce, type AdKeyPair } from '#libs/identity';
import type { PeerMessage, PeerMessage__Output } from '#libs/wire';
import type { TlsFiles } from '#libs/service-config';
import { openPeer } from './peering-lab.ts';

/** A peer that writes PeerMessages by hand over real gRPC/TLS, to misbehave on purpose. */
export interface RawPeer {
  send(message: Omit<PeerMessage, 'sequence_number'>): boolean;
  /** The first message not taken yet with this payload (any, without one); taken by this call. */
  next(payload?: string): Promise<PeerMessage__Output>;
  refusal(): Promise<PeerMessage__Output['notification']>;
  /** Hello as `localAd`, the challenge signed with `key`, the acknowledgment: ESTABLISHED. */
  establish(key: AdKeyPair, hold?: number): Promise<void>;
  /** Drops the call without closing it: an HTTP/2 reset, as when a peer crashes. */
  reset(): void;
  close(): void;
}

/**
 * Dials `address` presenting `tls` (its certificate is the client certificate) and checking that
 * the Responder's certificate names `expectAd`; its Hello claims `localAd`.
 */
export function rawPeer(options: { address: string; expectAd: string; localAd: string; tls: TlsFiles; maxMessageBytes: number }): RawPeer {
  const peer = openPeer(options);
  const next = (payload?: string) => peer.take(payload);
  return {
    send: peer.send,
    next,
    refusal: async () => (await next('notification')).notification,
    establish: async (key, hold = 90) => {
      peer.send({ hello: { local_ad_id: options.localAd, hold_time_seconds: hold } });
      const challenge = await next('challenge');
      peer.send({ response: { signature: await signNonce(challenge.challenge!.nonce, key.secretKey) } });
      await next('keep_alive');
    },
    reset: peer.reset,
    close: peer.close,
  };
}
