import * as grpc from '@grpc/grpc-js';
import { until } from '#libs/lab';
import type { PeerMessage, PeerMessage__Output } from '#libs/wire';
import { peerService, type Received } from '../../services/session/src/peer-service.ts';
import type { TlsFiles } from '../../services/session/src/tls.ts';

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
      const inbox: PeerMessage__Output[] = [];
      call.on('data', (r: Received) => 'message' in r && inbox.push(r.message));
      call.on('error', () => undefined);
      const next = (payload?: string) =>
        until(`a ${payload ?? 'message'} from our Initiator`, () => {
          const i = inbox.findIndex((m) => payload === undefined || m.payload === payload);
          return i < 0 ? undefined : inbox.splice(i, 1)[0];
        });
      void script({ next, write: (m) => void call.write(m) }).catch(() => undefined).finally(() => call.end());
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(null, [{ private_key: tlsFiles.key, cert_chain: tlsFiles.cert }], false);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, calls: () => calls, stop: () => server.forceShutdown() };
}
