import * as grpc from '@grpc/grpc-js';
import { NotificationCode, type SessionConfig } from '#libs/session';
import type { PeerMessage } from '#libs/wire';
import { tokenBucket, type SpeakerLimits } from './limits.ts';
import { peerService, transportLimit } from './peer-service.ts';
import { runSession, type PeerStream, type SessionDeps, type SessionHandle, type SessionOutcome } from './session-runner.ts';
import { serverCredentials, type TlsFiles } from './tls.ts';
import { addHealthService } from './health-service.ts';

export interface ResponderOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls: TlsFiles | 'plaintext-lab';
  readonly config: SessionConfig;
  readonly limits: SpeakerLimits;
  readonly deps: SessionDeps;
  /** Called when a session ends, for counters and tests. */
  readonly onOutcome?: (outcome: SessionOutcome) => void;
  /** Answers grpc.health.v1.Health beside DtnPeering: whether the service is ready. */
  readonly ready?: () => boolean;
}

const SHUTDOWN_GRACE_MS = 2_000;

/** The Responder side: a gRPC server whose every DtnPeering/Peer call is one session (§7.1). */
export async function startResponder(options: ResponderOptions): Promise<{ port: number; sessions(): readonly SessionHandle[]; stop(): Promise<void> }> {
  const { limits, deps } = options;
  const server = new grpc.Server(transportLimit(limits.maxMessageBytes));
  const sessions = new Set<SessionHandle>();
  const arrivals = tokenBucket(limits.connectionRate, deps.now());
  server.addService(peerService(limits.maxMessageBytes), {
    Peer: (call: grpc.ServerDuplexStream<unknown, PeerMessage>) => {
      // §9.4: refused before a session exists, with the one Notification a peer can act on.
      if (sessions.size >= limits.maxSessions) return refuse(call, NotificationCode.LIMIT_SESSIONS, `already ${sessions.size} sessions, the limit`, deps);
      if (!arrivals.take(deps.now())) return refuse(call, NotificationCode.LIMIT_CONNECTION_RATE, `more than ${limits.connectionRate.perSecond} new sessions/s`, deps);
      const session = runSession('responder', options.config, call as unknown as PeerStream, deps);
      sessions.add(session);
      void session.done.then((outcome) => {
        sessions.delete(session);
        options.onOutcome?.(outcome);
      });
    },
  });
  if (options.ready) addHealthService(server, options.ready);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, serverCredentials(options.tls), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    sessions: () => [...sessions],
    stop: async () => {
      const ending = [...sessions];
      for (const session of ending) session.stop('speaker shutting down');
      await Promise.all(ending.map((s) => s.logged));
      // A peer that never closes its side would hold a graceful shutdown open: bound it.
      const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      const timer = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
      await graceful;
      clearTimeout(timer);
    },
  };
}

function refuse(call: grpc.ServerDuplexStream<unknown, PeerMessage>, code: NotificationCode, reason: string, deps: SessionDeps): void {
  deps.log({ level: 'warn', msg: 'session refused', code, reason, peer: call.getPeer() });
  call.write({ sequence_number: '1', notification: { level: 'ERROR', code, message: reason } });
  call.end();
}
