import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '#libs/lab';
import { runDpp } from '../harness/dpp-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** README's main command, as a newcomer runs it: the demo stack up, routes at its gateway, the CLI against it, Ctrl-C. */
describe('dpp up (the demo stack)', () => {
  let up: ChildProcess | undefined;
  afterAll(() => void up?.kill('SIGKILL'));

  it('starts three ADs as separate processes, Mars routes reach ESA’s gateway through the DSN, and Ctrl-C stops everything', async () => {
    const data = mkdtempSync(join(tmpdir(), 'dpp-up-'));
    up = spawn(process.execPath, ['bin/dpp.js', 'up', '--data', data], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    up.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    up.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await until('the stack up', () => (out.includes('dpp is up') ? true : undefined), { ms: 90_000 });
    const pids = [...out.matchAll(/^\S+\/(?:rib|policy|session|fib-export)\s+(\d+)\s/gm)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(10);
    expect(pids.every(alive)).toBe(true);
    // Mars's route through the DSN, with the DSN's gateway (§6.7) and AD_PATH [dsn, mars] (§5.3).
    await until("Mars's route at ESA's gateway", () => (out.includes('gateway esa-gw: + ipn:200.* via dtn://gw.dsn.example.test/ (AD_PATH dsn.example.test mars.example.test)') ? true : undefined), { ms: 30_000 });
    // What README says to try next works against it.
    const nats = /--nats (nats:\/\/\S+)/.exec(out)![1]!;
    const shown = await runDpp('fib', 'show', '--gateway', 'esa-gw', '--bucket-prefix', 'dpp-esa-fib', '--nats', nats, '--json');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('"pattern":"ipn:200.*"');
    const originated = await runDpp('originate', 'ipn:200.7', '--config', join(data, 'mars.example.test', 'dpp.yaml'));
    expect([originated.status, originated.stdout.trim()]).toEqual([0, '1 route originated by mars.example.test']);
    await until('the new route at the gateway', () => (out.includes('gateway esa-gw: + ipn:200.7 via dtn://gw.dsn.example.test/') ? true : undefined), { ms: 30_000 });
    const exited = new Promise<number | null>((resolve) => up!.once('exit', resolve));
    up.kill('SIGINT');
    expect(await exited).toBe(0);
    up = undefined;
    expect(out).toContain('stopped');
    expect(pids.filter(alive)).toEqual([]);
  }, 180_000);
});
