import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort, installed, startProcess, type ServerProcess } from './server-process.ts';
import { until } from './until.ts';

/** A real nats-server with JetStream on loopback, for tests, the bench and `dpp up` (after nats.js's own `nst` launcher). */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** The server's process (another one after a restart). */
  readonly pid: number;
  /** Stops and starts the server on the same port and store, for durability tests; `downMs`: how long it stays down. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server by pid, and removes its store unless the store was given. */
  stop(): Promise<void>;
}

/** The shipped single-node config: tests run it, overriding only the port and the store. */
export const NATS_CONFIG = fileURLToPath(new URL('../../../deploy/nats/single-node.conf', import.meta.url));

/**
 * `storeDir`: a store kept after stop (default: a temporary one, removed); `config`: another
 * shipped config than the single-node one (deploy/nats/secure-node.conf), with `args` for it.
 */
export async function startNatsServer(options: { storeDir?: string; config?: string; args?: readonly string[] } = {}): Promise<NatsServer> {
  installed('nats-server', 'nats-server');
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'dpp-nats-'));
  if (options.storeDir) mkdirSync(storeDir, { recursive: true });
  // Port -1: the server picks a free port and writes it to the ports file, so no test races for one.
  const launch = (port: number): Promise<ServerProcess> =>
    startProcess('nats-server', ['-c', options.config ?? NATS_CONFIG, ...(options.args ?? []), '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '--ports_file_dir', storeDir]);
  let server = await launch(-1);
  const port = await readPort(storeDir, server);
  const listening = () => until(`nats-server listening on 127.0.0.1:${port}`, () => connects(port), { gaveUp: () => server.died() });
  await listening();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get pid() {
      return server.pid;
    },
    restart: async (downMs = 0) => {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await launch(port);
      await listening();
    },
    stop: async () => {
      await server.stop();
      if (!options.storeDir) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

function readPort(storeDir: string, server: ServerProcess): Promise<number> {
  const file = join(storeDir, `nats-server_${server.pid}.ports`);
  const port = () => {
    const ports = JSON.parse(readFileSync(file, 'utf8')) as { nats: string[] };
    const url = ports.nats[0];
    return url === undefined ? undefined : Number(new URL(url).port);
  };
  return until(`nats-server ports file ${file}`, port, { gaveUp: () => server.died() });
}

const connects = (port: number): Promise<true> =>
  new Promise<true>((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', reject);
  });

/** The shipped cluster-node config: each test node runs it with its own name, ports and routes. */
export const NATS_CLUSTER_CONFIG = fileURLToPath(new URL('../../../deploy/nats/cluster-node.conf', import.meta.url));

export interface NatsCluster {
  /** Every node's client URL, comma-separated, as `nats.url` takes them. */
  readonly url: string;
  readonly nodes: readonly { readonly url: string; stop(): Promise<void>; start(): Promise<void> }[];
  stop(): Promise<void>;
}

/** A cluster of `size` nats-servers on loopback, JetStream clustered (streams may take `size` replicas). */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  installed('nats-server', 'nats-server');
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), cluster: await freePort(), store: mkdtempSync(join(tmpdir(), 'dpp-natsc-')) })));
  const running: (ServerProcess | undefined)[] = [];
  const launchNode = async (i: number) => {
    const p = ports[i]!;
    const routes = ports.filter((_, j) => j !== i).map((o) => `nats://127.0.0.1:${o.cluster}`).join(',');
    running[i] = await startProcess('nats-server', ['-c', NATS_CLUSTER_CONFIG, '-js', '-sd', p.store, '-n', `dpp-${i + 1}`, '-a', '127.0.0.1', '-p', String(p.client), '--cluster', `nats://127.0.0.1:${p.cluster}`, '--routes', routes]);
    await until(`nats-server dpp-${i + 1} listening`, () => connects(p.client), { gaveUp: () => running[i]?.died() });
  };
  for (let i = 0; i < size; i++) await launchNode(i);
  // Clustered JetStream answers once its meta group has a leader: until then every request times out.
  const nc = await connect({ servers: ports.map((p) => `nats://127.0.0.1:${p.client}`) });
  try {
    await until('the cluster’s JetStream', async () => (await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo()) && true, { ms: 30_000 });
  } finally {
    await nc.close();
  }
  return {
    url: ports.map((p) => `nats://127.0.0.1:${p.client}`).join(','),
    nodes: ports.map((p, i) => ({
      url: `nats://127.0.0.1:${p.client}`,
      stop: async () => {
        await running[i]?.stop();
        running[i] = undefined;
      },
      start: () => launchNode(i),
    })),
    stop: async () => {
      await Promise.all(running.map((r) => r?.stop()));
      for (const p of ports) rmSync(p.store, { recursive: true, force: true });
    },
  };
}
