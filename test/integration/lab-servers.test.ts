import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { until } from '#libs/lab';
import { alive } from '../harness/dpp-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The lab's servers run in process groups of their own (a terminal's Ctrl-C reaches their starter alone): they must still not outlive it. */
describe('the servers libs/lab starts', () => {
  it('go with their starter even when it is killed outright (SIGKILL to its whole process group)', async () => {
    const script = "import { startNatsServer } from '#libs/lab'; const n = await startNatsServer(); process.stdout.write(`${process.pid}\\n`); setInterval(() => undefined, 1000);";
    const starter = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let out = '';
    starter.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await until('the nats-server up', () => (out.includes('\n') ? true : undefined), { ms: 30_000 });
    const server = await until('its pid', async () => {
      const { execFileSync } = await import('node:child_process');
      const pids = execFileSync('pgrep', ['-P', String(starter.pid), 'nats-server'], { encoding: 'utf8' }).trim();
      return pids === '' ? undefined : Number(pids.split('\n')[0]);
    }).catch(() => undefined);
    expect(server).toBeGreaterThan(0);
    process.kill(-starter.pid!, 'SIGKILL');
    await until('the nats-server gone', () => (alive(server!) ? undefined : true), { ms: 10_000 });
  });
});
