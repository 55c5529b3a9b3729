import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './until.ts';

/** A real nats-server with JetStream on loopback, for tests (after nats.js's own `nst` launcher). */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  pid(): number;
  /** Stops and starts the server on the same port and store, for durability tests. */
  restart(): Promise<void>;
  /** Stops the server by pid and removes its store. */
  stop(): Promise<void>;
}

export const NATS_SERVER_MISSING =
  'nats-server is not installed: run `npm run setup` (installs Debian package nats-server with apt-get as root)';

/** Debian installs nats-server (and the DNS servers) in /usr/sbin, which a non-login PATH may lack. */
export const SERVER_ENV = { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/usr/local/sbin` };

export async function startNatsServer(): Promise<NatsServer> {
  if (spawnSync('nats-server', ['--version'], { env: SERVER_ENV }).error) throw new Error(NATS_SERVER_MISSING);
  const storeDir = mkdtempSync(join(tmpdir(), 'dpp-nats-'));
  // Port -1: the server picks a free port and writes it to the ports file, so no test races for one.
  let child = await launch(storeDir, -1);
  const port = await readPort(storeDir, child);
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    pid: () => child.pid ?? -1,
    restart: async () => {
      await kill(child);
      child = await launch(storeDir, port);
      await waitListening(port);
    },
    stop: async () => {
      await kill(child);
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  await waitListening(port);
  return server;
}

async function launch(storeDir: string, port: number): Promise<ChildProcess> {
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '--ports_file_dir', storeDir];
  const child = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'], env: SERVER_ENV });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (!stopping.has(child)) process.stderr.write(`nats-server exited unexpectedly (${code ?? signal}):\n${stderr}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child;
}

async function readPort(storeDir: string, child: ChildProcess): Promise<number> {
  const file = join(storeDir, `nats-server_${child.pid}.ports`);
  return until(`nats-server ports file ${file}`, () => {
    const ports = JSON.parse(readFileSync(file, 'utf8')) as { nats: string[] };
    const url = ports.nats[0];
    return url === undefined ? undefined : Number(new URL(url).port);
  });
}

const waitListening = (port: number): Promise<true> =>
  until(`nats-server listening on 127.0.0.1:${port}`, () =>
    new Promise<true>((resolve, reject) => {
      const socket = tcpConnect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', reject);
    }),
  );

/** Servers the harness itself is stopping: their exit is expected, not worth a log dump. */
const stopping = new WeakSet<ChildProcess>();

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
