import { spawnSync } from 'node:child_process';
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
});
