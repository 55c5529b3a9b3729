import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_DATA_DIR, freshProblem, startStack } from '../../up/src/stack.ts';
import { commandLine } from './command-line.ts';
import { EXIT, type CommandIo } from './io.ts';
import { stopSignal } from './run-service.ts';

export const UP_USAGE = `usage: dpp up [--config FILE]... [--data DIR] [--fresh]

Runs the speaker stack: for each speaker config FILE, its services (session, policy, RIB and FIB
export, as the file configures them) as separate processes, restarted when they fail, each
logging to DIR/logs. A nats-server of its own (JetStream store in DIR/nats) is started when a
file names no nats.url and DPP_NATS_URL is unset. Without --config: the demo, three ADs on
loopback (a DNS lab with DNSSEC for their identities, TLS, routes flowing to a gateway), printing
what runs and what to try. Ctrl-C (SIGINT) or SIGTERM stops everything and exits 0.
  --data DIR   where the stack keeps its data (default .dpp in the project)
  --fresh      start from nothing: DIR's NATS store, logs (and the demo's keys, configs and
               checkpoints) are removed first; without it a second run goes on from the first's state
`;

export async function upCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = commandLine(args, io, UP_USAGE, { config: { type: 'string', multiple: true }, data: { type: 'string' }, fresh: { type: 'boolean' } });
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 0) {
    io.err.write(`dpp up: unexpected ${parsed.positionals[0]}\n\n${UP_USAGE}`);
    return EXIT.usage;
  }
  const configs = ((parsed.values['config'] as unknown as string[] | undefined) ?? []).map((c) => resolve(c));
  const dataDir = resolve(typeof parsed.values['data'] === 'string' ? parsed.values['data'] : DEFAULT_DATA_DIR);
  const say = (line: string) => io.out.write(`${line}\n`);
  if (parsed.values['fresh'] === true) {
    const problem = await freshProblem(dataDir, configs);
    if (problem !== undefined) {
      io.err.write(`dpp up --fresh: ${problem}\n`);
      return EXIT.invalid;
    }
    rmSync(dataDir, { recursive: true, force: true });
    say(`dpp up: data in ${dataDir} (fresh)`);
  } else if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    say(`dpp up: data in ${dataDir}, kept from an earlier run (its streams, ${configs.length === 0 ? 'the demo\'s keys and checkpoints, ' : ''}logs): dpp up --fresh starts from nothing`);
  } else say(`dpp up: data in ${dataDir}`);
  let stack;
  try {
    stack = await startStack({ configs, dataDir, say });
  } catch (error) {
    io.err.write(`dpp up: ${(error as Error).message}\n`);
    return EXIT.invalid;
  }
  await stopSignal();
  say('stopping...');
  await stack.stop();
  say('stopped');
  return EXIT.ok;
}
