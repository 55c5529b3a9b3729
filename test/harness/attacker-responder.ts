import * as grpc from '@grpc/grpc-js';
import type { PeerMessage, PeerMessage__Output } from '#libs/wire';
import { peerService, type Received } from '../../services/session/src/peer-service.ts';
import type { TlsFiles } from '#libs/service-config';
import { inbox } from './inbox.ts';

/** One call to a Responder the attacker plays: what our Initiator sent it, and a way to answer. */
export interface ScriptedCall {
  next(payload?: string): Promise<PeerMessage__Output>;
  write(message: PeerMessage): void;
}

/** A Responder played by the attacker: its own certificate, and a script for each call it gets. */
export async function attackerResponder(tlsFiles: TlsFiles, script: (call: ScriptedCall) => Promise<void>, maxMessageBytes = 64 * 1024) {
  const server = new grpc.Server();
  let calls = 0;
  server.addService(peerService(maxMessageBytes), {
    Peer: (call: grpc.ServerDuplexStream<Received, PeerMessage>) => {
      calls++;
      const { take: next } = inbox(call, 'our Initiator');
      call.on('error', () => undefined);
      void script({ next, write: (m) => void call.write(m) }).catch(() => undefined).finally(() => call.end());
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(null, [{ private_key: tlsFiles.key, cert_chain: tlsFiles.cert }], false);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, calls: () => calls, stop: () => server.forceShutdown() };
}
