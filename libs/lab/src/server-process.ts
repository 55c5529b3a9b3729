import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Debian installs nats-server, knotd and unbound in /usr/sbin, which a non-login PATH may lack. */
export const SERVER_ENV = { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/usr/local/sbin` };

/** A server the tests started: its output, whether it died, and a stop by pid. */
export interface ServerProcess {
  readonly pid: number;
  /** Why waiting for it is pointless (it exited), with the tail of what it printed; else undefined. */
  died(): string | undefined;
  stop(): Promise<void>;
}

export function installed(command: string, packageName: string): void {
  if (spawnSync(command, ['--version'], { env: SERVER_ENV }).error) {
    throw new Error(`${command} is not installed: run \`npm run setup\` (installs Debian package ${packageName} with apt-get as root)`);
  }
}

/** The servers this process started that still run: killed when it exits. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Kills, when this process is gone however it went (SIGKILL too: its end of the pipe closes), the
 * servers it started that still run: a line `+PID` adds one, `-PID` takes it back.
 */
const REAPER = `pids=" "
while read -r line; do
  case "$line" in
    +*) pids="$pids\${line#+} " ;;
    -*) pids=$(printf '%s' "$pids" | sed "s/ \${line#-} / /") ;;
  esac
done
[ "$pids" = " " ] || kill -TERM $pids 2>/dev/null`;
let reaper: ChildProcess | undefined;
const tellReaper = (line: string) => {
  if (reaper === undefined) {
    // A group of its own too, so a Ctrl-C does not end it before this process has stopped its servers.
    reaper = spawn('/bin/sh', ['-c', REAPER], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    reaper.unref();
    (reaper.stdin as unknown as { unref(): void }).unref();
  }
  reaper.stdin?.write(`${line}\n`);
};

/**
 * Starts a server in a process group of its own: a Ctrl-C in the terminal reaches only whoever
 * started it, which stops it after what depends on it (`dpp up` stops its services before NATS and
 * the DNS lab; in the group, they got the terminal's SIGINT with everything else, exited first and
 * were reported as exiting unexpectedly). Outside the group it must not outlive its starter: it is
 * killed when that process exits, and, when the starter is killed outright, by a reaper that
 * watches for it (a test's kill of dpp up's process group left the servers running otherwise).
 */
export async function startProcess(command: string, args: readonly string[]): Promise<ServerProcess> {
  // The environment as it is now: a server's config may name variables set after this module loaded (deploy/nats/secure-node.conf).
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: SERVER_ENV['PATH'] }, detached: true });
  running.add(child);
  if (child.pid !== undefined) tellReaper(`+${child.pid}`);
  child.once('exit', () => {
    running.delete(child);
    if (child.pid !== undefined) tellReaper(`-${child.pid}`);
  });
  // Servers log to stderr but some refuse their config on stdout: keep the tail of both.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let stopping = false;
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`${command} exited unexpectedly (${code ?? signal}):\n${output}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return {
    pid: child.pid ?? -1,
    died: () => (exited(child) ? `${command} exited (${child.exitCode ?? child.signalCode}): ${output}` : undefined),
    stop: async () => {
      stopping = true;
      await kill(child, command);
    },
  };
}

/** Whether the child has ended, by exit or by signal. */
export const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/**
 * SIGTERM, then SIGKILL if the server is still there after 5 s, said on stderr: a server killed
 * is not a server stopped (its own shutdown never ran), and a test that restarts one must be able
 * to tell which it got.
 */
async function kill(child: ChildProcess, command: string): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    process.stderr.write(`${command} was still running 5 s after SIGTERM: killed (SIGKILL)\n`);
    child.kill('SIGKILL');
  }, 5_000);
  await gone;
  clearTimeout(timer);
}

/**
 * Ports this process has handed out. The port asked of the OS is closed again before it is
 * handed out, and the OS may give that same port to the next ask: `dpp up` once configured the
 * DSN's policy metrics and its looking glass on one port, and its policy service could not start
 * (EADDRINUSE). A port is handed out once per process.
 */
const handedOut = new Set<number>();

/** A loopback port free right now and not handed out before by this process, for servers that cannot pick their own and report it. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
