/** One command as the man page describes it: its summary line and its whole --help text. */
export interface ManCommand {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
}

/**
 * Text as roff reads it literally: backslashes, hyphens (so options copy as typed), characters
 * beyond ASCII (as \[uXXXX], for a groff run without preconv) and control characters at a line's start escaped.
 */
const roff = (text: string): string =>
  text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`)
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');

/**
 * dpp(1) in man(7) roff, made from the commands' own --help texts (pure), so the page and
 * `dpp help COMMAND` never disagree. `dpp help --man` prints it; man/dpp.1 is it, checked by a test.
 */
export function manPage(options: { readonly version: string; readonly commands: readonly ManCommand[]; readonly environment: readonly { readonly variable: string; readonly field: string }[] }): string {
  const lines = [
    `.TH DPP 1 "" "dpp ${options.version}" "User Commands"`,
    '.SH NAME',
    'dpp \\- a speaker of the DTN Peering Protocol (draft\\-taylor\\-dtn\\-dpp\\-01)',
    '.SH SYNOPSIS',
    '.B dpp',
    '.I command',
    '.RI [ args ...]',
    '.SH DESCRIPTION',
    roff(
      'dpp peers with other Administrative Domains of the Solar System DTN over gRPC and TLS 1.3, ' +
        'their identities rooted in DNSSEC-signed SVCB records, and keeps every advertisement and withdrawal it ' +
        'receives as an immutable event in NATS JetStream. Four services follow that log: the session service ' +
        '(peering), the policy service (import and export policy), the RIB (the Loc-RIB with its scheduled routes, ' +
        'a replayable projection of the log) and the FIB export (each gateway\'s FIB, which gateways subscribe to). ' +
        'One config file per speaker serves all four; every command that reads a speaker takes it as --config FILE.',
    ),
    '.SH COMMANDS',
    ...options.commands.flatMap((c) => [`.SS ${roff(c.name)}`, roff(c.summary), '.PP', '.nf', roff(c.help.trimEnd()), '.fi']),
    '.SH EXIT STATUS',
    '.TP',
    '.B 0',
    'success.',
    '.TP',
    '.B 1',
    roff('the input was read but is not valid (an invalid pattern, a failed check), or what was asked for was not found or not reached in time.'),
    '.TP',
    '.B 2',
    'the command line itself is wrong.',
    '.SH ENVIRONMENT',
    ...options.environment.flatMap((e) => ['.TP', `.B ${roff(e.variable)}`, roff(`overrides ${e.field} of the config file.`)]),
    '.SH FILES',
    '.TP',
    '.I dpp.yaml',
    roff('a speaker\'s config file (README, "Configuration"); dpp config check FILE says what each service reads of it.'),
    '.TP',
    '.I deploy/systemd/dpp@.service',
    roff('a systemd unit running one speaker, with deploy/nats, deploy/prometheus and deploy/grafana beside it.'),
    '.SH SEE ALSO',
    '.BR nats\\-server (8),',
    '.BR birdc (8)',
    '.PP',
    'draft\\-taylor\\-dtn\\-dpp: the DTN Peering Protocol.',
  ];
  return `${lines.join('\n')}\n`;
}
