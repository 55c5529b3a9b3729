import tls, { checkServerIdentity, createSecureContext, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { TlsFiles } from '#libs/service-config';

/**
 * §9.2: TLS 1.3 or later. grpc-js builds its server contexts from Node's defaults, so the floor is
 * raised process-wide before any server starts; the client context sets it explicitly too.
 */
export function requireTls13(): void {
  tls.DEFAULT_MIN_VERSION = 'TLSv1.3';
}

export function serverCredentials(files: TlsFiles | 'plaintext-lab'): grpc.ServerCredentials {
  if (files === 'plaintext-lab') return grpc.ServerCredentials.createInsecure();
  requireTls13();
  return grpc.ServerCredentials.createSsl(files.requireClientCert ? files.ca : null, [{ private_key: files.key, cert_chain: files.cert }], files.requireClientCert);
}

/**
 * §9.2: the Initiator checks that the Responder's certificate names the peer's AD (the identity
 * the draft otherwise authenticates only one way), whatever address it dialled.
 */
export function channelCredentials(files: TlsFiles | 'plaintext-lab', peerAd: string): grpc.ChannelCredentials {
  if (files === 'plaintext-lab') return grpc.credentials.createInsecure();
  const context = createSecureContext({ ca: files.ca, cert: files.cert, key: files.key, minVersion: 'TLSv1.3' });
  return grpc.credentials.createFromSecureContext(context, {
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(peerAd, cert),
  });
}

/** Channel options that make TLS present and check the AD's name even when dialling an address. */
export const adAuthority = (peerAd: string): grpc.ChannelOptions => ({
  'grpc.ssl_target_name_override': peerAd,
  'grpc.default_authority': peerAd,
});
