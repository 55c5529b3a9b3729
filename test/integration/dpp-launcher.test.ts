import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { until } from '#libs/lab';
import { alive } from '../harness/dpp-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The machine's own Node, older than 24 on the machines dpp is set up on (README, "Node"). */
const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => existsSync(path) && Number(spawnSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 24);

/** bin/dpp.js started by an older Node: the command runs on dpp's own Node 24, and stops when told. */
describe.skipIf(systemNode === undefined)(`bin/dpp.js under ${systemNode ?? 'an older Node'}`, () => {
  it('answers a command as Node 24 does', () => {
    const run = spawnSync(systemNode!, ['bin/dpp.js', 'pattern', 'ipn:1.*.*'], { cwd: root, encoding: 'utf8' });
    expect([run.status, run.stdout.trim()]).toEqual([0, '{"pattern":"ipn:1.*.*","valid":true,"score":32,"draft00":"ipn:1.*","score00":32}']);
    const wrong = spawnSync(systemNode!, ['bin/dpp.js', 'frobnicate'], { cwd: root, encoding: 'utf8' });
    expect([wrong.status, wrong.stderr]).toEqual([2, expect.stringContaining('dpp: unknown command "frobnicate"')]);
  });

  it('runs a service on Node 24, with the V8 flags dpp sets, and passes it SIGTERM: it stops cleanly, and exits 0', async () => {
    const child = await startRib(systemNode!);
    const node24 = Number(spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim());
    expect(alive(node24)).toBe(true);
    expect(commandLine(node24)).toContain('--max-semi-space-size=16');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(alive(node24)).toBe(false);
  }, 60_000);
});

/** bin/dpp.js started by Node 24: the same process goes on with dpp's V8 flags, unless the user gave one of the same name. */
describe('bin/dpp.js under Node 24', () => {
  it('runs a service as the process it was started as, with --max-semi-space-size=16, or the size NODE_OPTIONS gives', async () => {
    for (const [env, flags] of [[{ NODE_OPTIONS: '' }, ['--max-semi-space-size=16']], [{ NODE_OPTIONS: '--max-semi-space-size=8' }, []]] as const) {
      const child = await startRib(process.execPath, env);
      try {
        expect(commandLine(child.pid!).filter((arg) => arg.startsWith('--max-semi-space-size'))).toEqual(flags);
      } finally {
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    }
  }, 60_000);
});

/** Each RIB started has streams of its own. */
let ribs = 0;

/** `dpp rib` on streams of its own, started by `node`, once it has resumed. */
async function startRib(node: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-launcher-'));
  const config = join(dir, 'us.yaml');
  const id = `L${process.pid}${(ribs++).toString()}`;
  writeFileSync(config, stringify({ ad: 'us.example.test', nats: { url: inject('natsUrl') }, streams: { rib_input: `RI_${id}`, loc_rib: `LR_${id}` }, checkpoint: 'rib.sqlite' }));
  const child = spawn(node, ['bin/dpp.js', 'rib', '--config', config], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await until('the RIB running', () => (out.includes('"msg":"RIB resumed"') ? true : undefined), { ms: 30_000 });
  return child;
}

const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
