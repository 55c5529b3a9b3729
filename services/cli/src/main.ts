import { configCommand } from './config-command.ts';
import { EXIT, type CommandIo } from './io.ts';
import { contactsCommand, fibCommand, fibExportCommand } from './fib-commands.ts';
import { keygenCommand } from './keygen-command.ts';
import { originateCommand, withdrawCommand } from './originate-command.ts';
import { patternCommand } from './pattern-command.ts';
import { policyCommand } from './policy-commands.ts';
import { explainCommand, historyCommand, replayCommand, ribCommand } from './rib-commands.ts';
import { sessionCommand } from './session-command.ts';
import { showCommand } from './show-command.ts';
import { upCommand } from './up-command.ts';

interface Command {
  readonly summary: string;
  readonly run: (args: readonly string[], io: CommandIo) => number | Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  up: { summary: 'run the speaker stack (each --config FILE), or with no config the demo: three ADs on loopback', run: upCommand },
  pattern: { summary: 'check EID patterns and print their canonical form and specificity score', run: patternCommand },
  keygen: { summary: "make an AD's ed25519 key pair and print the SVCB record to publish", run: keygenCommand },
  config: { summary: "config check FILE: the speaker's config file as each of its services reads it", run: configCommand },
  session: { summary: 'run the session service of one speaker from its config file', run: sessionCommand },
  replay: { summary: 'rebuild the Loc-RIB from the log up to a sequence or time, and print it', run: replayCommand },
  show: { summary: 'show peers|routes|fib|events of a speaker (--config FILE): what it holds now', run: showCommand },
  explain: { summary: 'every route for a pattern, and why the best one won', run: explainCommand },
  history: { summary: 'every event in the log that touched a pattern', run: historyCommand },
  policy: { summary: "run the policy service (import verdicts, each peer's Adj-RIB-Out); policy counters, policy explain PATTERN", run: policyCommand },
  rib: { summary: 'run the RIB service (--config FILE), or rib diff A B: the Loc-RIB at two points', run: ribCommand },
  'fib-export': { summary: "run the FIB-export service: each gateway's FIB in its KV bucket", run: fibExportCommand },
  fib: { summary: "a gateway's FIB: show, lookup EID, watch, export --format hardy|ion|hdtn", run: fibCommand },
  originate: { summary: 'originate routes of our AD (--config FILE), scheduled with --from/--until', run: (args, io) => originateCommand(args, io) },
  withdraw: { summary: 'withdraw routes our AD originated', run: withdrawCommand },
  contacts: { summary: 'contacts import FILE: an ION or HDTN contact plan as locally originated scheduled routes', run: contactsCommand },
};

const usage = (): string =>
  `usage: dpp COMMAND [ARGS...]\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
    .join('\n')}\n\n'dpp COMMAND --help' describes a command.\n`;

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out).write(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err.write(`dpp: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  return command.run(args, io);
}
