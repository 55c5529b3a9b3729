import * as grpc from '@grpc/grpc-js';
import type { SessionConfig } from '#libs/session';
import { loadDppPackage } from '#libs/wire';
import type { ProtoGrpcType } from '../../../libs/wire/generated/dpp.ts';
import { runSession, type PeerStream, type SessionDeps, type SessionOutcome } from './session-runner.ts';
import { serverCredentials, type TlsFiles } from './tls.ts';

export const dppService = (): ProtoGrpcType['dtn']['peering']['v1']['DtnPeering'] =>
  (grpc.loadPackageDefinition(loadDppPackage()) as unknown as ProtoGrpcType).dtn.peering.v1.DtnPeering;

export interface ResponderOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls: TlsFiles | 'plaintext-lab';
  readonly config: SessionConfig;
  readonly deps: SessionDeps;
  /** Called when a session ends, for counters and tests. */
  readonly onOutcome?: (outcome: SessionOutcome) => void;
}

/** The Responder side: a gRPC server whose every DtnPeering/Peer call is one session (§7.1). */
export async function startResponder(options: ResponderOptions): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new grpc.Server();
  const sessions = new Set<{ stop(reason: string): void }>();
  server.addService(dppService().service, {
    Peer: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      const session = runSession('responder', options.config, call as unknown as PeerStream, options.deps);
      sessions.add(session);
      void session.done.then((outcome) => {
        sessions.delete(session);
        options.onOutcome?.(outcome);
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, serverCredentials(options.tls), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    stop: async () => {
      for (const session of sessions) session.stop('speaker shutting down');
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
