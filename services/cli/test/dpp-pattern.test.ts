import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs the real executable, as a user does: a separate process, stdout parsed as JSON lines. */
const dpp = (...args: string[]) => {
  const run = spawnSync(process.execPath, ['bin/dpp.js', ...args], { cwd: root, encoding: 'utf8' });
  return { status: run.status, lines: run.stdout.split('\n').filter(Boolean), stderr: run.stderr };
};

describe('dpp pattern', () => {
  it('prints the canonical pattern and score 62 for ipn:100.[10-13].*, with its -00 form, exit 0', () => {
    const run = dpp('pattern', 'ipn:100.[10-13].*');
    expect(run.status).toBe(0);
    expect(run.lines.map((l) => JSON.parse(l))).toEqual([{ pattern: 'ipn:100.[10-13].*', valid: true, score: 62, draft00: 'ipn:100.[10-13]', score00: 62 }]);
  });

  it("prints one line per pattern in order, in both drafts' forms, echoes invalid input with the error, and exits 1", () => {
    const run = dpp('pattern', 'DTN://Rover1.Example.org', 'ipn:*.1.*', 'ipn:100.[7-7]', 'ipn:100.7.5', 'dtn://rover1.example.org/svc');
    expect(run.status).toBe(1);
    expect(run.lines.map((l) => JSON.parse(l))).toEqual([
      { pattern: 'dtn://rover1.example.org/**', valid: true, score: 19, draft00: 'dtn://rover1.example.org', score00: 274 },
      { pattern: 'ipn:*.1.*', valid: false, error: expect.stringMatching(/^column 7: .*§4\.1\.1/) },
      { pattern: 'ipn:100.7.*', valid: true, score: 64, draft00: 'ipn:100.7', score00: 320 },
      { pattern: 'ipn:100.7.5', valid: true, score: 352, draft00: null, score00: null },
      { pattern: 'dtn://rover1.example.org/svc', valid: true, score: 278, draft00: null, score00: null },
    ]);
  });

  it('exits 2 with usage on stderr when given no pattern or an unknown command', () => {
    for (const args of [['pattern'], ['frobnicate'], []]) {
      const run = dpp(...args);
      expect(run.status).toBe(2);
      expect(run.lines).toEqual([]);
      expect(run.stderr).toContain('usage: dpp');
    }
  });

  it('answers --help on stdout with exit 0', () => {
    const run = dpp('pattern', '--help');
    expect(run.status).toBe(0);
    expect(run.lines.join('\n')).toContain('usage: dpp pattern PATTERN...');
  });

  it('runs as `npx dpp`, the package bin, on the Node that npm installs', () => {
    const run = spawnSync('npx', ['--no-install', 'dpp', 'pattern', 'ipn:*'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ pattern: 'ipn:**', valid: true, score: 0, draft00: 'ipn:*', score00: 0 });
  });
});
