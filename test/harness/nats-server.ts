import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  const waitListening = (): Promise<true> =>
    until(`nats-server listening on 127.0.0.1:${port}`, () => connects(port), { gaveUp: () => died(child) });
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    pid: () => child.pid ?? -1,
    restart: async () => {
      await kill(child);
      child = await launch(storeDir, port);
      await waitListening();
    },
    stop: async () => {
      await kill(child);
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  await waitListening();
  return server;
}

/** The shipped single-node config: tests run it, overriding only the port and the store. */
export const NATS_CONFIG = fileURLToPath(new URL('../../deploy/nats/single-node.conf', import.meta.url));

async function launch(storeDir: string, port: number): Promise<ChildProcess> {
  const args = ['-c', NATS_CONFIG, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '--ports_file_dir', storeDir];
  const child = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'], env: SERVER_ENV });
  // nats-server writes its log to stderr but a refused config to stdout: keep the tail of both.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  outputs.set(child, () => output);
  child.on('exit', (code, signal) => {
    if (!stopping.has(child)) process.stderr.write(`nats-server exited unexpectedly (${code ?? signal}):\n${output}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child;
}

/** What each server printed, for the message when it dies before it is ready. */
const outputs = new WeakMap<ChildProcess, () => string>();

const died = (child: ChildProcess): string | undefined =>
  child.exitCode === null && child.signalCode === null
    ? undefined
    : `nats-server exited (${child.exitCode ?? child.signalCode}): ${outputs.get(child)?.() ?? ''}`;

async function readPort(storeDir: string, child: ChildProcess): Promise<number> {
  const file = join(storeDir, `nats-server_${child.pid}.ports`);
  const port = () => {
    const ports = JSON.parse(readFileSync(file, 'utf8')) as { nats: string[] };
    const url = ports.nats[0];
    return url === undefined ? undefined : Number(new URL(url).port);
  };
  return until(`nats-server ports file ${file}`, port, { gaveUp: () => died(child) });
}

const connects = (port: number): Promise<true> =>
  new Promise<true>((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', reject);
  });

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
