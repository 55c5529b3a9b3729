import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { readKeyFile, spkiBase64 } from '#libs/identity';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dpp = (...args: string[]) => spawnSync(process.execPath, ['bin/dpp.js', ...args], { cwd: root, encoding: 'utf8' });
const scratch = () => mkdtempSync(join(tmpdir(), 'dpp-keygen-'));

describe('dpp keygen', () => {
  it('writes a 0600 private key Node reads, its public key, and prints the SVCB zone line', async () => {
    const out = join(scratch(), 'dsn.key');
    const run = dpp('keygen', '--ad', 'DSN.Example.org.', '--out', out, '--json');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, string>;
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const derived = createPublicKey(createPrivateKey(readFileSync(out))).export({ format: 'der', type: 'spki' }).toString('base64');
    expect(readFileSync(`${out}.pub`, 'utf8')).toBe(`${derived}\n`);
    expect(report).toEqual({
      ad: 'dsn.example.org',
      privateKey: out,
      publicKey: `${out}.pub`,
      dtnPubkey: derived,
      zoneLine: `_dtn_domain.dsn.example.org. IN SVCB 1 . key65280="ed25519" key65281="${derived}"`,
    });
    const key = await readKeyFile(out);
    expect(Result.isSuccess(key) && spkiBase64(key.success.publicKey)).toBe(derived);
  });

  it('uses the configured SvcParamKey numbers', () => {
    const run = dpp('keygen', '--ad', 'dsn.example.org', '--out', join(scratch(), 'k'), '--svcb-keys', '65300,65301');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^_dtn_domain\.dsn\.example\.org\. IN SVCB 1 \. key65300="ed25519" key65301="MCowBQYDK2VwAyEA.{44}"$/m);
  });

  it('keeps an existing key unless --force', () => {
    const out = join(scratch(), 'dsn.key');
    expect(dpp('keygen', '--ad', 'dsn.example.org', '--out', out).status).toBe(0);
    const first = readFileSync(out, 'utf8');
    const again = dpp('keygen', '--ad', 'dsn.example.org', '--out', out);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('exists: keep it, or pass --force');
    expect(readFileSync(out, 'utf8')).toBe(first);
    expect(dpp('keygen', '--ad', 'dsn.example.org', '--out', out, '--force').status).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toBe(first);
  });

  it.each([
    [['--ad', 'dsn.example.org'], '--ad and --out are required'],
    [['--ad', 'dsn..example.org', '--out', 'x'], 'column 5: AD "dsn..example.org": empty label'],
    [['--ad', 'dsn.example.org/x', '--out', 'x'], 'a node name alone: "/" is not allowed'],
    [['--ad', 'a.b', '--out', 'x', '--svcb-keys', '65280'], '--svcb-keys "65280"'],
    [['--ad', 'a.b', '--out', 'x', '--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j with exit 2 and says what is wrong', (args, phrase) => {
    const run = dpp('keygen', ...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(phrase);
  });

  it('will not read a private key that others can read', async () => {
    const out = join(scratch(), 'dsn.key');
    dpp('keygen', '--ad', 'dsn.example.org', '--out', out);
    chmodSync(out, 0o644);
    const key = await readKeyFile(out);
    expect(Result.isFailure(key) && key.failure).toBe(`${out} is readable by others (mode 0644): run chmod 600 ${out}`);
  });
});
