import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Whether a connection is up now, from its status events: what a service's readiness depends on.
 * Returns why not, or undefined when connected.
 */
export function natsReadiness(nc: NatsConnection): () => string | undefined {
  let down: string | undefined;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'staleConnection') down = `NATS ${status.type}`;
      else if (status.type === 'reconnect') down = undefined;
    }
  })();
  return () => (nc.isClosed() ? 'NATS connection closed' : down);
}
