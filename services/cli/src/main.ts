import { EXIT, type CommandIo } from './io.ts';

type Run = (args: readonly string[], io: CommandIo) => number | Promise<number>;

interface Command {
  readonly summary: string;
  /** Its subcommands, for shell completion. */
  readonly subcommands?: readonly string[];
  /** The command's module, loaded when it runs: `dpp pattern` loads no NATS client, no gRPC. */
  readonly load: () => Promise<Run>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  up: { summary: 'run the speaker stack (each --config FILE), or with no config the demo: three ADs on loopback', load: async () => (await import('./up-command.ts')).upCommand },
  pattern: { summary: 'check EID patterns and print their canonical form and specificity score', load: async () => (await import('./pattern-command.ts')).patternCommand },
  keygen: { summary: "make an AD's ed25519 key pair and print the SVCB record to publish", load: async () => (await import('./keygen-command.ts')).keygenCommand },
  config: { summary: "config check FILE: the speaker's config file as each of its services reads it", subcommands: ['check', 'reload'], load: async () => (await import('./config-command.ts')).configCommand },
  session: { summary: 'run the session service of one speaker from its config file', load: async () => (await import('./session-command.ts')).sessionCommand },
  replay: { summary: 'rebuild the Loc-RIB from the log up to a sequence or time, and print it', load: async () => (await import('./rib-commands.ts')).replayCommand },
  status: { summary: 'every running service of a speaker (--config FILE): pid, uptime, restarts, lag', load: async () => (await import('./status-command.ts')).statusCommand },
  wait: { summary: 'wait until every peer event up to a sequence is judged, in the RIB and in every table (--config FILE)', load: async () => (await import('./wait-command.ts')).waitCommand },
  peer: { summary: "peer disable|enable|reset|refresh PEER: keep a peer down (an event in the log), end its sessions, or send it its whole table again", subcommands: ['disable', 'enable', 'reset', 'refresh'], load: async () => (await import('./peer-command.ts')).peerCommand },
  show: { summary: 'show peers|routes|fib|events of a speaker (--config FILE): what it holds now', subcommands: ['peers', 'routes', 'fib', 'events'], load: async () => (await import('./show-command.ts')).showCommand },
  explain: { summary: 'every route for a pattern, and why the best one won', load: async () => (await import('./rib-commands.ts')).explainCommand },
  history: { summary: 'every event in the log that touched a pattern', load: async () => (await import('./rib-commands.ts')).historyCommand },
  policy: { summary: "run the policy service (import verdicts, each peer's Adj-RIB-Out); policy counters, policy explain PATTERN", subcommands: ['counters', 'explain'], load: async () => (await import('./policy-commands.ts')).policyCommand },
  rib: { summary: 'run the RIB service (--config FILE), or rib diff A B: the Loc-RIB at two points', subcommands: ['diff'], load: async () => (await import('./rib-commands.ts')).ribCommand },
  'fib-export': { summary: "run the FIB-export service: each gateway's FIB in its table streams", load: async () => (await import('./fib-commands.ts')).fibExportCommand },
  web: { summary: 'run the looking glass (--config FILE): peers, routes, the contact timeline and time travel in a browser', load: async () => (await import('./web-command.ts')).webCommand },
  fib: { summary: "a gateway's FIB: show, lookup EID, watch, export --format hardy|ion|hdtn", subcommands: ['show', 'lookup', 'watch', 'export'], load: async () => (await import('./fib-commands.ts')).fibCommand },
  originate: { summary: 'originate routes of our AD (--config FILE), scheduled with --from/--until', load: async () => (await import('./originate-command.ts')).originateCommand },
  withdraw: { summary: 'withdraw routes our AD originated', load: async () => (await import('./originate-command.ts')).withdrawCommand },
  contacts: { summary: 'contacts import FILE: an ION or HDTN contact plan as locally originated scheduled routes', subcommands: ['import'], load: async () => (await import('./fib-commands.ts')).contactsCommand },
};

const usage = (): string =>
  `usage: dpp COMMAND [ARGS...]\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
    .join('\n')}\n  ${'help'.padEnd(10)} help COMMAND: what the command does, its arguments and options; help --man: the dpp(1) man page\n  ${'completion'.padEnd(10)} completion bash: a bash (and zsh) completion script, e.g. source <(dpp completion bash)\n\n'dpp help COMMAND' (or 'dpp COMMAND --help') describes a command.\n`;

/**
 * Completion for bash (zsh through bashcompinit): commands and subcommands from this table, a
 * command's options from its own --help, file names everywhere else.
 */
const bashCompletion = (): string => `# dpp completion for bash; for zsh: autoload -U bashcompinit && bashcompinit first.
_dpp() {
  local cur=\${COMP_WORDS[COMP_CWORD]} command=\${COMP_WORDS[1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${Object.keys(COMMANDS).join(' ')} help completion" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(dpp "$command" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
    return
  fi
  if [ "$COMP_CWORD" -eq 2 ]; then
    case "$command" in
${Object.entries(COMMANDS)
  .filter(([, c]) => c.subcommands)
  .map(([name, c]) => `      ${name}) COMPREPLY=($(compgen -W "${c.subcommands!.join(' ')}" -- "$cur")); return ;;`)
  .join('\n')}
      help) COMPREPLY=($(compgen -W "${Object.keys(COMMANDS).join(' ')}" -- "$cur")); return ;;
      completion) COMPREPLY=($(compgen -W "bash" -- "$cur")); return ;;
    esac
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _dpp dpp
`;

/** dpp(1), from each command's own --help. */
async function manual(): Promise<string> {
  const [{ manPage }, { DPP_VERSION, ENV_OVERRIDES }] = await Promise.all([import('./man-page.ts'), import('#libs/config')]);
  const commands = [];
  for (const [name, c] of Object.entries(COMMANDS)) {
    let help = '';
    await (await c.load())(['--help'], { out: { write: (text: string) => (help += text) }, err: { write: () => undefined } });
    commands.push({ name, summary: c.summary, help });
  }
  const environment = ENV_OVERRIDES.map((o) => ({ variable: o.variable, field: o.path.join('.') }));
  return manPage({ version: DPP_VERSION, commands, environment });
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && args.length === 0)) {
    (name === undefined ? io.err : io.out).write(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === 'help' && args[0] === '--man') {
    io.out.write(await manual());
    return EXIT.ok;
  }
  if (name === 'help') return main([args[0]!, '--help'], io);
  if (name === 'completion') {
    if (args[0] !== 'bash') {
      io.err.write('dpp completion: expected "bash" (zsh: autoload -U bashcompinit && bashcompinit, then source <(dpp completion bash))\n');
      return EXIT.usage;
    }
    io.out.write(bashCompletion());
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err.write(`dpp: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  return (await command.load())(args, io);
}
