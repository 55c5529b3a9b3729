import { parseArgs } from 'node:util';
import { Result } from 'effect';
import { jsonLog, type LogLine } from '#libs/log';
import { EXIT, type CommandIo } from './io.ts';

/**
 * A long-running service command: `--config FILE` is read and checked (an invalid config exits 1
 * naming each field), the service started (a failure to start is a log line and exit 1), and it
 * runs until SIGINT or SIGTERM, then stops cleanly and exits 0. SIGHUP reads the file again and
 * applies it (README, "Live reload").
 */
export async function runService<C>(
  name: string,
  usage: string,
  args: readonly string[],
  io: CommandIo,
  service: { load(path: string): Promise<Result.Result<C, string>>; start(config: C, log: LogLine): Promise<Running<C>> },
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (error) {
    io.err.write(`dpp ${name}: ${(error as Error).message}\n\n${usage}`);
    return EXIT.usage;
  }
  if (values.help) {
    io.out.write(usage);
    return EXIT.ok;
  }
  const path = values.config;
  if (path === undefined) {
    io.err.write(`dpp ${name}: --config is required\n\n${usage}`);
    return EXIT.usage;
  }
  const config = await service.load(path);
  if (Result.isFailure(config)) {
    io.err.write(`dpp ${name}: the config is not valid:\n${config.failure}\n`);
    return EXIT.invalid;
  }
  const log = jsonLog((text) => io.out.write(text), name);
  // SIGHUP (dpp config reload): the file read again and applied. Taken from the start: a reload sent
  // while the service starts waits for it, one sent while it stops is let go (it would otherwise
  // kill the process, which a supervisor counts as a clean exit).
  let running: Running<C> | undefined;
  let stopping = false;
  let started: () => void = () => undefined;
  let reloading = new Promise<void>((resolve) => (started = resolve));
  const onHup = () => {
    reloading = reloading
      .then(async () => {
        if (stopping) return log({ level: 'info', msg: 'config reload ignored: stopping' });
        const next = await service.load(path);
        if (Result.isFailure(next)) return log({ level: 'error', msg: 'config not reloaded: not valid', problems: next.failure.split('\n') });
        if (running === undefined || stopping) return;
        if (running.reload) return void running.reload(next.success);
        // A service without sessions to keep is restarted in place with the new config.
        await running.stop();
        running = await service.start(next.success, log);
        log({ level: 'info', msg: 'config reloaded: restarted with it' });
      })
      .catch((error: Error) => log({ level: 'error', msg: 'config reload failed', error: error.message }));
  };
  process.on('SIGHUP', onHup);
  // A stop sent while the service starts (its readiness line can come before start returns) ends
  // the process at once, exit 0: a start may never end (NATS away), and every service is left
  // safe by a stop at any instant, as by a kill -9 (acknowledged means durable).
  let starting = true;
  const stop = stopSignal();
  void stop.then(() => {
    if (!starting) return;
    log({ level: 'info', msg: 'stopped while starting' });
    process.exit(EXIT.ok);
  });
  log({ level: 'info', msg: 'starting', config: path });
  try {
    running = await service.start(config.success, log);
    starting = false;
    started();
  } catch (error) {
    starting = false;
    stop.cancel();
    process.off('SIGHUP', onHup);
    log({ level: 'error', msg: 'could not start', error: (error as Error).message });
    return EXIT.invalid;
  }
  await stop;
  stopping = true;
  await reloading;
  log({ level: 'info', msg: 'stopping' });
  await running?.stop();
  log({ level: 'info', msg: 'stopped' });
  // Only now: a SIGHUP while stopping must not kill the process.
  process.off('SIGHUP', onHup);
  return EXIT.ok;
}

/** A running service: how to stop it, and, for one that keeps sessions, how to take a new config without restarting. */
export interface Running<C> {
  stop(): Promise<void>;
  reload?(config: C): unknown;
}

/**
 * Resolves at SIGINT or SIGTERM: how every long-running command is asked to stop. Under `dpp up`
 * (DPP_SUPERVISED=1, stdin a pipe from the supervisor) also when that pipe closes: a supervisor
 * killed outright leaves no service behind. `cancel` stops listening (and reading the pipe, which
 * would keep the process alive).
 */
export const stopSignal = (): Promise<void> & { cancel(): void } => {
  let cancel = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    const supervised = process.env['DPP_SUPERVISED'] === '1';
    // The pipe must not keep the process alive once it stops.
    const done = () => {
      if (supervised) process.stdin.destroy();
      resolve();
    };
    process.once('SIGINT', done).once('SIGTERM', done);
    if (supervised) process.stdin.once('end', done).once('close', done).once('error', done).resume();
    cancel = () => {
      process.off('SIGINT', done).off('SIGTERM', done);
      if (supervised) process.stdin.off('end', done).off('close', done).off('error', done).destroy();
    };
  });
  return Object.assign(stopped, { cancel });
};
