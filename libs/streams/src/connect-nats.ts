import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * A service's NATS connection: to any of the servers `url` lists (comma-separated, as a cluster's
 * nodes), reconnecting for ever: a service outlives NATS outages and node losses, and one started
 * while NATS is down (booted first, or restarted during a NATS restart) waits for it.
 */
export const connectNats = (url: string, name: string): Promise<NatsConnection> => connect({ ...HOT_PATH, ...natsOptions(url), maxReconnectAttempts: -1, waitOnFirstConnect: true, name });

/**
 * What every connection on the data path sets: nats.js otherwise makes an Error per request (each
 * JetStream publish) to hold the caller's stack in case it times out, and that was 31% of the CPU
 * of a 200k-route ingest (bench/ pipeline profile). A timeout still fails the publish, just
 * without the caller's stack.
 */
export const HOT_PATH = { noAsyncTraces: true } as const;

/** The smallest max_payload a NATS server is run with here (its default is 1 MB). */
const MIN_PAYLOAD_BYTES = 64 * 1024;

/** Room for one message's body on this connection: the server's max_payload less 4 KiB for headers. */
export const messageRoom = (nc: NatsConnection): number => Math.max(MIN_PAYLOAD_BYTES, (nc.info?.max_payload ?? MIN_PAYLOAD_BYTES) - 4_096);

/** `nats.url` as the list of servers it names. */
export const natsServers = (url: string): string[] => url.split(',').map((s) => s.trim()).filter(Boolean);

/**
 * `nats.url` (or DPP_NATS_URL) as connection options: the servers, the user and password a URL
 * carries (`nats://dpp-rib:secret@host:4222`: nats.js reads none from a URL), and TLS when a URL
 * says `tls://` (the server's certificate checked against the system's CAs and
 * NODE_EXTRA_CA_CERTS: deploy/nats/secure-node.conf).
 */
export function natsOptions(url: string): { servers: string[]; user?: string; pass?: string; tls?: Record<string, never> } {
  let user: string | undefined;
  let pass: string | undefined;
  let tls = false;
  const servers = natsServers(url).map((server) => {
    const parsed = /^(?:(nats|tls):\/\/)?(?:([^:@/]*)(?::([^@/]*))?@)?(.*)$/.exec(server)!;
    if (parsed[1] === 'tls') tls = true;
    if (parsed[2] !== undefined && user === undefined) [user, pass] = [decodeURIComponent(parsed[2]), parsed[3] === undefined ? undefined : decodeURIComponent(parsed[3])];
    return `nats://${parsed[4]}`;
  });
  return { servers, ...(user === undefined ? {} : { user }), ...(pass === undefined ? {} : { pass }), ...(tls ? { tls: {} } : {}) };
}
