import { signNonce, type AdKeyPair } from '#libs/identity';
import { until } from '#libs/lab';
import type { PeerMessage, PeerMessage__Output } from '#libs/wire';
import { PeerClient, transportLimit, type Received } from '../../services/session/src/peer-service.ts';
import type { PeerStream } from '../../services/session/src/session-runner.ts';
import { adAuthority, channelCredentials, type TlsFiles } from '../../services/session/src/tls.ts';

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
  const Client = PeerClient(options.maxMessageBytes);
  const client = new Client(options.address, channelCredentials(options.tls, options.expectAd), { ...adAuthority(options.expectAd), ...transportLimit(options.maxMessageBytes) });
  const call = (client as unknown as { Peer(): PeerStream }).Peer();
  const inbox: PeerMessage__Output[] = [];
  call.on('data', (r: Received) => 'message' in r && inbox.push(r.message));
  call.on('error', () => undefined);
  let seq = 0;
  const send = (message: Omit<PeerMessage, 'sequence_number'>) => call.write({ sequence_number: String(++seq), ...message });
  const next = (payload?: string) =>
    until(`a ${payload ?? 'message'} from the Responder`, () => {
      const i = inbox.findIndex((m) => payload === undefined || m.payload === payload);
      return i < 0 ? undefined : inbox.splice(i, 1)[0];
    });
  return {
    send,
    next,
    refusal: async () => (await next('notification')).notification,
    establish: async (key, hold = 90) => {
      send({ hello: { local_ad_id: options.localAd, hold_time_seconds: hold } });
      const challenge = await next('challenge');
      send({ response: { signature: await signNonce(challenge.challenge!.nonce, key.secretKey) } });
      await next('keep_alive');
    },
    reset: () => call.cancel?.(),
    close: () => {
      call.end();
      client.close();
    },
  };
}
