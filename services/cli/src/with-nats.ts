import { connect, type NatsConnection } from '@nats-io/transport-node';
import { HOT_PATH, natsOptions } from '#libs/streams';
import { EXIT, type CommandIo } from './io.ts';

/**
 * Runs a command's `body` with a NATS connection, closed after: a server that cannot be reached at first,
 * or a failure inside, is one line on stderr and exit 1, not a stack.
 */
export async function withNats(url: string, io: CommandIo, body: (nc: NatsConnection) => Promise<number>, options: { reconnect?: boolean } = {}): Promise<number> {
  let nc: NatsConnection;
  try {
    // A one-shot command gives up with the server; one that follows a stream waits for it to come back.
    nc = await connect({ ...HOT_PATH, ...natsOptions(url), maxReconnectAttempts: options.reconnect ? -1 : 0 });
  } catch (error) {
    // The servers alone: a URL may carry a password.
    io.err.write(`dpp: cannot reach NATS at ${natsOptions(url).servers.join(',')}: ${(error as Error).message}\n`);
    return EXIT.invalid;
  }
  try {
    return await body(nc);
  } catch (error) {
    io.err.write(`dpp: ${(error as Error).message}\n`);
    return EXIT.invalid;
  } finally {
    await nc.close();
  }
}
