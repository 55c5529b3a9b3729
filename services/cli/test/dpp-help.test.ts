import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dpp = (...args: string[]) => spawnSync(process.execPath, ['bin/dpp.js', ...args], { cwd: root, encoding: 'utf8' });

/** What bash completes for the words typed so far, with `dpp completion bash` sourced. */
function completions(...words: string[]): string[] {
  const script = `dpp() { "${process.execPath}" "${root}bin/dpp.js" "$@"; }
source <(dpp completion bash)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_dpp; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter((line) => line !== '');
}

describe('dpp help and completion', () => {
  it('describes a command with dpp help COMMAND as with --help', () => {
    const help = dpp('help', 'fib');
    expect([help.status, help.stdout]).toEqual([0, dpp('fib', '--help').stdout]);
    expect(help.stdout).toMatch(/^usage: dpp fib show/);
    const unknown = dpp('help', 'frobnicate');
    expect([unknown.status, unknown.stderr]).toEqual([2, expect.stringContaining('dpp: unknown command "frobnicate"')]);
    expect(dpp('help').stdout).toMatch(/^usage: dpp COMMAND/);
  });

  it('completes commands, subcommands and a command\'s options in bash', () => {
    expect(completions('dpp', 'fi')).toEqual(['fib-export', 'fib']);
    expect(completions('dpp', 'show', '')).toEqual(['peers', 'routes', 'fib', 'events']);
    expect(completions('dpp', 'fib', 'show', '--con')).toEqual(['--config']);
    expect(completions('dpp', 'explain', '--')).toEqual(expect.arrayContaining(['--ad', '--at', '--config', '--json', '--nats', '--stream', '--until']));
    expect(dpp('completion', 'fish').status).toBe(2);
  });

  it('has a dpp(1) man page made from the same help texts, as man/dpp.1 ships it, that groff reads without a warning', () => {
    const page = dpp('help', '--man');
    expect(page.status).toBe(0);
    expect(readFileSync(`${root}man/dpp.1`, 'utf8'), 'man/dpp.1 is out of date: npm run man').toBe(page.stdout);
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'SEE ALSO']) expect(page.stdout).toContain(`.SH ${section}\n`);
    // Every command, with its whole help text.
    expect(page.stdout).toContain('.SS peer\n');
    expect(page.stdout).toContain('usage: dpp peer disable PEER \\-\\-config FILE [\\-\\-reason TEXT]');
    const rendered = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page.stdout, encoding: 'utf8' });
    expect([rendered.status, rendered.stderr]).toEqual([0, '']);
    const text = spawnSync('groff', ['-man', '-Tutf8', '-P', '-cbou'], { input: page.stdout, encoding: 'utf8' }).stdout;
    expect(text).toMatch(/\n\s+usage: dpp fib show \[--gateway NAME\]/);
    expect(text).toContain('§4.4');
    expect(text).toContain('DPP_NATS_URL');
  });
});
