import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '#libs/wire';

const HEALTH_PROTO = fileURLToPath(new URL('../../../proto/grpc/health/v1/health.proto', import.meta.url));
/** The services a probe may name: the server as a whole (""), and DPP's. */
const SERVICES = new Set(['', 'dtn.peering.v1.DtnPeering']);
const WATCH_POLL_MS = 1_000;

type Status = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/**
 * grpc.health.v1.Health on the session server: SERVING while `ready()` (the event log's NATS is
 * connected), NOT_SERVING otherwise; Watch sends the status, then each change.
 */
export function addHealthService(server: grpc.Server, ready: () => boolean): void {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, LOADER_OPTIONS)) as unknown as { grpc: { health: { v1: { Health: { service: grpc.ServiceDefinition } } } } };
  const status = (service: string): Status => (!SERVICES.has(service) ? 'SERVICE_UNKNOWN' : ready() ? 'SERVING' : 'NOT_SERVING');
  server.addService(pkg.grpc.health.v1.Health.service, {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<{ status: Status }>) => {
      const now = status(call.request.service);
      if (now === 'SERVICE_UNKNOWN') return callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      callback(null, { status: now });
    },
    Watch: (call: grpc.ServerWritableStream<{ service: string }, { status: Status }>) => {
      let last: Status | undefined;
      const send = () => {
        const now = status(call.request.service);
        if (now !== last) call.write({ status: (last = now) });
      };
      send();
      const timer = setInterval(send, WATCH_POLL_MS);
      call.on('cancelled', () => clearInterval(timer));
      call.on('close', () => clearInterval(timer));
    },
  });
}
