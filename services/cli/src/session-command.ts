import { parseArgs } from 'node:util';
import { Result } from 'effect';
import { loadSpeakerConfig } from '../../session/src/speaker-config.ts';
import { jsonLog, startSpeaker } from '../../session/src/speaker.ts';
import { EXIT, type CommandIo } from './io.ts';

export const SESSION_USAGE = `usage: dpp session --config FILE

Runs the session service of one speaker: accepts DPP sessions on the listen address, dials the
configured peers, verifies identities through DNS(SEC) and appends every session event and
received RouteUpdate to JetStream. Logs one JSON object a line on stdout. SIGINT or SIGTERM
ends every session with a Notification (ADMINISTRATIVE_SHUTDOWN) and exits 0.
The config file is described in README, "Running a speaker".
`;

export async function sessionCommand(args: readonly string[], io: CommandIo): Promise<number> {
  let config: string | undefined;
  let help: boolean | undefined;
  try {
    ({ config, help } = parseArgs({ args: [...args], options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values);
  } catch (error) {
    io.err.write(`dpp session: ${(error as Error).message}\n\n${SESSION_USAGE}`);
    return EXIT.usage;
  }
  if (help) {
    io.out.write(SESSION_USAGE);
    return EXIT.ok;
  }
  if (config === undefined) {
    io.err.write(`dpp session: --config is required\n\n${SESSION_USAGE}`);
    return EXIT.usage;
  }
  const loaded = await loadSpeakerConfig(config);
  if (Result.isFailure(loaded)) {
    io.err.write(`dpp session: the config is not valid:\n${loaded.failure}\n`);
    return EXIT.invalid;
  }
  const log = jsonLog((text) => io.out.write(text));
  let speaker: Awaited<ReturnType<typeof startSpeaker>>;
  try {
    speaker = await startSpeaker(loaded.success, log);
  } catch (error) {
    log({ level: 'error', msg: 'could not start', error: (error as Error).message });
    return EXIT.invalid;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log({ level: 'info', msg: 'stopping' });
  await speaker.stop();
  log({ level: 'info', msg: 'stopped' });
  return EXIT.ok;
}
