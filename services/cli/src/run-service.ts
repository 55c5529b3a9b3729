import { parseArgs } from 'node:util';
import { Result } from 'effect';
import { jsonLog, type LogLine } from '#libs/log';
import { EXIT, type CommandIo } from './io.ts';

/**
 * A long-running service command: `--config FILE` is read and checked (an invalid config exits 1
 * naming each field), the service started (a failure to start is a log line and exit 1), and it
 * runs until SIGINT or SIGTERM, then stops cleanly and exits 0.
 */
export async function runService<C>(
  name: string,
  usage: string,
  args: readonly string[],
  io: CommandIo,
  service: { load(path: string): Promise<Result.Result<C, string>>; start(config: C, log: LogLine): Promise<{ stop(): Promise<void> }> },
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
  if (values.config === undefined) {
    io.err.write(`dpp ${name}: --config is required\n\n${usage}`);
    return EXIT.usage;
  }
  const config = await service.load(values.config);
  if (Result.isFailure(config)) {
    io.err.write(`dpp ${name}: the config is not valid:\n${config.failure}\n`);
    return EXIT.invalid;
  }
  const log = jsonLog((text) => io.out.write(text), name);
  let running: { stop(): Promise<void> };
  try {
    running = await service.start(config.success, log);
  } catch (error) {
    log({ level: 'error', msg: 'could not start', error: (error as Error).message });
    return EXIT.invalid;
  }
  await stopSignal();
  log({ level: 'info', msg: 'stopping' });
  await running.stop();
  log({ level: 'info', msg: 'stopped' });
  return EXIT.ok;
}

/**
 * Resolves at SIGINT or SIGTERM: how every long-running command is asked to stop. Under `dpp up`
 * (DPP_SUPERVISED=1, stdin a pipe from the supervisor) also when that pipe closes: a supervisor
 * killed outright leaves no service behind.
 */
export const stopSignal = (): Promise<void> =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (process.env['DPP_SUPERVISED'] !== '1') return;
    // The pipe must not keep the process alive once it stops.
    const done = () => {
      process.stdin.destroy();
      resolve();
    };
    process.stdin.once('end', done).once('close', done).once('error', done).resume();
    process.once('SIGINT', () => process.stdin.destroy()).once('SIGTERM', () => process.stdin.destroy());
  });
