import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * A service's NATS connection: to any of the servers `url` lists (comma-separated, as a cluster's
 * nodes), reconnecting for ever: a service outlives NATS outages and node losses, and one started
 * while NATS is down (booted first, or restarted during a NATS restart) waits for it.
 */
export const connectNats = (url: string, name: string): Promise<NatsConnection> => connect({ servers: natsServers(url), maxReconnectAttempts: -1, waitOnFirstConnect: true, name });

/** `nats.url` as the list of servers it names. */
export const natsServers = (url: string): string[] => url.split(',').map((s) => s.trim()).filter(Boolean);
