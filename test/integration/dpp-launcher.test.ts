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
const SEMI_SPACE = /^--max[-_]semi[-_]space[-_]size/;

/** bin/dpp.js started by an older Node: the command runs on dpp's own Node 24, and stops when told. */
describe.skipIf(systemNode === undefined)(`bin/dpp.js under ${systemNode ?? 'an older Node'}`, () => {
  it('answers a command as Node 24 does', () => {
    const run = spawnSync(systemNode!, ['bin/dpp.js', 'pattern', 'ipn:1.*.*'], { cwd: root, encoding: 'utf8' });
    expect([run.status, run.stdout.trim()]).toEqual([0, '{"pattern":"ipn:1.*.*","valid":true,"score":32,"draft00":"ipn:1.*","score00":32}']);
    const wrong = spawnSync(systemNode!, ['bin/dpp.js', 'frobnicate'], { cwd: root, encoding: 'utf8' });
    expect([wrong.status, wrong.stderr]).toEqual([2, expect.stringContaining('dpp: unknown command "frobnicate"')]);
  });

  it('runs a service on Node 24, with the V8 flags dpp sets or the size the user gave, and passes it SIGTERM: it stops cleanly, and exits 0', async () => {
    for (const [nodeFlags, flags] of [[[], ['--max-semi-space-size=16']], [['--max-semi-space-size=8'], ['--max-semi-space-size=8']]] as const) {
      const child = await startDpp(systemNode!, ['rib', '--config', ribConfig()], { until: '"msg":"RIB resumed"', nodeFlags, env: { NODE_OPTIONS: '' } });
      const node24 = Number(spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim());
      try {
        expect(alive(node24)).toBe(true);
        expect(commandLine(node24).filter((arg) => SEMI_SPACE.test(arg))).toEqual(flags);
      } finally {
        expect(await stopped(child)).toBe(0);
      }
      expect(alive(node24)).toBe(false);
    }
  }, 60_000);
});

/** bin/dpp.js started by Node 24: the same process goes on with dpp's V8 flags, unless the user gave one of the same name. */
describe('bin/dpp.js under Node 24', () => {
  it('runs a service as the process it was started as, with --max-semi-space-size=16, or the size NODE_OPTIONS gives in either spelling', async () => {
    for (const nodeOptions of ['', '--max-semi-space-size=8', '--max_semi_space_size=8']) {
      const child = await startDpp(process.execPath, ['rib', '--config', ribConfig()], { until: '"msg":"RIB resumed"', env: { NODE_OPTIONS: nodeOptions } });
      try {
        expect(commandLine(child.pid!).filter((arg) => SEMI_SPACE.test(arg))).toEqual(nodeOptions === '' ? ['--max-semi-space-size=16'] : []);
      } finally {
        expect(await stopped(child)).toBe(0);
      }
    }
  }, 60_000);
});

/** A service told to stop before it is up, or failing to start, ends: it never waits on a start that cannot end, nor on its supervisor's pipe. */
describe('dpp service start', () => {
  it('exits 0 at once at a SIGTERM while it starts, its NATS never answering', async () => {
    const child = await startDpp(process.execPath, ['rib', '--config', ribConfig({ nats: { url: 'nats://127.0.0.1:1' } })], { until: '"msg":"starting"' });
    const lines: string[] = [];
    child.stdout!.on('data', (c: Buffer) => lines.push(c.toString()));
    expect(await stopped(child)).toBe(0);
    expect(lines.join('')).toContain('"msg":"stopped while starting"');
  }, 60_000);

  it('exits 1 when its start fails under a supervisor, whose pipe on its stdin stays open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-launcher-'));
    const child = spawn(process.execPath, ['bin/dpp.js', 'rib', '--config', ribConfig({ checkpoint: join(dir, 'no-such-dir', 'rib.sqlite') })], { cwd: root, env: { ...process.env, DPP_SUPERVISED: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await exitOf(child, 'still running after 20 s');
    expect([code, out]).toEqual([1, expect.stringContaining('"msg":"could not start"')]);
  }, 60_000);
});

/** Each config has streams of its own. */
let configs = 0;

/** A RIB's config on streams of its own, with `extra` fields over the defaults. */
function ribConfig(extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-launcher-'));
  const config = join(dir, 'us.yaml');
  const id = `L${process.pid}_${(configs++).toString()}`;
  writeFileSync(config, stringify({ ad: 'us.example.test', nats: { url: inject('natsUrl') }, streams: { rib_input: `RI_${id}`, loc_rib: `LR_${id}` }, checkpoint: 'rib.sqlite', ...extra }));
  return config;
}

/** `dpp ARGS`, started by `node` (with `nodeFlags` before the script), once its output shows `until`; killed if it never does. */
async function startDpp(node: string, args: readonly string[], options: { until: string; nodeFlags?: readonly string[]; env?: Record<string, string> }): Promise<ChildProcess> {
  const child = spawn(node, [...(options.nodeFlags ?? []), 'bin/dpp.js', ...args], { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await until(`${options.until} from dpp ${args.join(' ')}`, () => (out.includes(options.until) ? true : undefined), { ms: 30_000 });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; its output: ${out}`);
  }
  return child;
}

/** SIGTERM, then its exit code (exitOf). */
function stopped(child: ChildProcess): Promise<number | null | string> {
  child.kill('SIGTERM');
  return exitOf(child, 'still running 20 s after SIGTERM');
}

/** Its exit code, or, not exited within 20 s, `otherwise` (it is then killed). */
async function exitOf(child: ChildProcess, otherwise: string): Promise<number | null | string> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([new Promise<number | null>((resolve) => child.once('exit', resolve)), new Promise<string>((resolve) => (timer = setTimeout(() => resolve(otherwise), 20_000)))]);
  clearTimeout(timer);
  if (typeof outcome === 'string') child.kill('SIGKILL');
  return outcome;
}

const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
