import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '#libs/wire';

const HEALTH_PROTO = fileURLToPath(new URL('../../proto/grpc/health/v1/health.proto', import.meta.url));

/**
 * grpc.health.v1.Health/Check of the whole server (service "") at `address`, as a probe runs it:
 * its own channel (a new connection), the answer's status, or the error when none came within
 * `deadlineMs`.
 */
export async function checkHealth(address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions = {}, deadlineMs = 5_000): Promise<string> {
  const proto = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, LOADER_OPTIONS)) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  const client = new proto.grpc.health.v1.Health(address, credentials, { 'grpc.use_local_subchannel_pool': 1, ...options });
  try {
    return await new Promise<string>((resolve, reject) =>
      (client as unknown as { Check(r: object, o: grpc.CallOptions, cb: (e: Error | null, r?: { status: string }) => void): void }).Check({ service: '' }, { deadline: Date.now() + deadlineMs }, (error, response) =>
        error ? reject(error) : resolve(response!.status),
      ),
    );
  } finally {
    client.close();
  }
}
