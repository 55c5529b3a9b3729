import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/dpp.js', import.meta.url));
/** A service stopping with NATS away can take its NATS timeouts to finish its batch. */
const STOP_GRACE_MS = 20_000;
/** A service up this long has its backoff start again from 1 s at its next failure. */
const STEADY_MS = 60_000;

/** One `dpp` service process the stack runs. */
export interface ServiceSpec {
  /** Its name in the stack's output, e.g. `esa.example.test/rib`. */
  readonly name: string;
  /** The `dpp` command line, e.g. `['rib', '--config', FILE]`. */
  readonly args: readonly string[];
  /** Its log (stdout and stderr, JSON lines), appended to. */
  readonly logFile: string;
  /** A line of its log that says it is up. */
  readonly ready: RegExp;
  readonly env?: Readonly<Record<string, string>>;
  /** Where it answers over HTTP, when it does: its /metrics, or the looking glass's pages. */
  readonly url?: string | undefined;
}

interface Running {
  readonly spec: ServiceSpec;
  child: ChildProcess;
  restarts: number;
  ready: Promise<void>;
}

/**
 * Runs `dpp` services as separate processes and keeps them running: one that exits on its own is
 * started again after a backoff (1 s, doubling to 30 s), as systemd's Restart=on-failure would.
 * `stop` sends SIGTERM to all (each stops cleanly), and SIGKILL to any still there after 20 s.
 */
export class Supervisor {
  readonly #running = new Map<string, Running>();
  readonly #logs = new Map<string, WriteStream>();
  #stopping = false;
  readonly #restarts = new Set<NodeJS.Timeout>();
  readonly #onEvent: (line: string) => void;

  constructor(onEvent: (line: string) => void) {
    this.#onEvent = onEvent;
  }

  /** Starts a service; resolves when its log shows it is up, rejects if it exits first. */
  start(spec: ServiceSpec): Promise<void> {
    const running: Running = { spec, child: undefined as unknown as ChildProcess, restarts: 0, ready: Promise.resolve() };
    this.#running.set(spec.name, running);
    this.#spawn(running);
    return running.ready;
  }

  /** What runs: name, pid, restarts, log, metrics. */
  list(): { name: string; pid: number | undefined; restarts: number; log: string; url: string | undefined }[] {
    return [...this.#running.values()].map((r) => ({ name: r.spec.name, pid: r.child.pid, restarts: r.restarts, log: r.spec.logFile, url: r.spec.url }));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#restarts) clearTimeout(timer);
    await Promise.all([...this.#running.values()].map((r) => stopChild(r.child)));
    for (const log of this.#logs.values()) log.end();
  }

  #spawn(running: Running): void {
    const { spec } = running;
    let log = this.#logs.get(spec.name);
    if (!log) this.#logs.set(spec.name, (log = createWriteStream(spec.logFile, { flags: 'a' })));
    // stdin a pipe that closes when this process dies, however it dies: the service then stops (run-service.ts).
    // A process group of its own: a Ctrl-C in the terminal reaches the supervisor alone, which stops the services before NATS.
    const child = spawn(process.execPath, [BIN, ...spec.args], { cwd: ROOT, env: { ...process.env, ...spec.env, DPP_SUPERVISED: '1', DPP_RESTARTS: String(running.restarts) }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    running.child = child;
    const started = Date.now();
    let seen = '';
    running.ready = new Promise<void>((resolve, reject) => {
      const watch = (chunk: Buffer) => {
        log.write(chunk);
        seen = (seen + chunk.toString()).slice(-8_192);
        if (spec.ready.test(seen)) resolve();
      };
      child.stdout.on('data', watch);
      child.stderr.on('data', watch);
      child.once('exit', (code, signal) => {
        reject(new Error(`${spec.name} exited (${code ?? signal}) before it was up; its log: ${spec.logFile}\n${seen.trim().split('\n').slice(-5).join('\n')}`));
        if (this.#stopping) return;
        if (Date.now() - started > STEADY_MS) running.restarts = 0;
        const delay = Math.min(30_000, 1_000 * 2 ** running.restarts);
        running.restarts++;
        this.#onEvent(`${spec.name} exited (${code ?? signal}); restarting in ${delay / 1000} s (log: ${spec.logFile})`);
        // Not unref'd: with every service down, this timer is what keeps the supervisor running.
        const timer = setTimeout(() => {
          this.#restarts.delete(timer);
          if (!this.#stopping) this.#spawn(running);
        }, delay);
        this.#restarts.add(timer);
      });
    });
    // A later restart's readiness is not waited for: only the first start reports failure.
    running.ready.catch(() => undefined);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(timer);
}
