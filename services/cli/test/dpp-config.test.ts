import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateAdKey, writeKeyFiles } from '#libs/identity';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dpp = (...args: string[]) => spawnSync(process.execPath, ['bin/dpp.js', ...args], { cwd: root, encoding: 'utf8' });

describe('dpp config check', () => {
  it('reports each service of the file: ok, not configured, or its problems naming the field, and exits 1 on any', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-check-'));
    await writeKeyFiles(join(dir, 'esa.key'), await generateAdKey(), false);
    const base = { ad: 'esa.example.org', key_file: 'esa.key', tls: 'plaintext-lab', dns: { resolvers: ['127.0.0.1:53'] }, peers: [{ ad: 'dsn.example.org', address: '127.0.0.1:4556' }], checkpoint: 'rib.sqlite' };
    writeFileSync(join(dir, 'good.yaml'), stringify(base));
    const good = dpp('config', 'check', join(dir, 'good.yaml'), '--json');
    expect(good.status).toBe(0);
    expect(good.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { service: 'session', status: 'ok', detail: '1 peers to dial, not listening, with warnings (see dpp session)' },
      { service: 'policy', status: 'ok', detail: expect.stringMatching(/^1 peers with an Adj-RIB-Out, policy version [0-9a-f]{16}$/) },
      { service: 'rib', status: 'ok', detail: `checkpoint ${join(dir, 'rib.sqlite')}` },
      { service: 'fib-export', status: 'not configured', detail: 'no gateways' },
      { service: 'web', status: 'not configured', detail: 'no web' },
    ]);

    writeFileSync(join(dir, 'bad.yaml'), stringify({ ...base, policy: { import: { chains: [{ peers: ['*'], rules: [{ name: 'r', match: { patterns_in: 'nope' } }] }] } }, gateways: [{ name: 'gs' }, { name: 'gs' }, { name: 'hardy-gs', hardy: { address: 'localhost', tls: { ca: 'ca.pem', cert: 'c.pem' } } }] }));
    const bad = dpp('config', 'check', join(dir, 'bad.yaml'));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/policy\s+invalid\s+see below/);
    expect(bad.stderr).toContain(`${join(dir, 'bad.yaml')}: policy.import.chains[0].rules[0].match.patterns_in: no pattern set "nope"; define it under pattern_sets`);
    expect(bad.stderr).toContain(`${join(dir, 'bad.yaml')}: gateways[1].name: "gs" is given twice; gateway names must differ`);
    expect(bad.stderr).toContain(`${join(dir, 'bad.yaml')}: gateways[2].hardy.address: "localhost" is no host:port; write the address of Hardy's TVR service, 127.0.0.1:50051 for example`);
    expect(bad.stderr).toContain(`${join(dir, 'bad.yaml')}: gateways[2].hardy.tls: cert and key go together (a client certificate); give both or neither`);

    // The looking glass beyond loopback without a token is refused, naming the field and the fix.
    writeFileSync(join(dir, 'web.yaml'), stringify({ ...base, web: { host: '0.0.0.0', port: 8080 } }));
    const web = dpp('config', 'check', join(dir, 'web.yaml'));
    expect([web.status, web.stderr]).toEqual([1, expect.stringContaining(`${join(dir, 'web.yaml')}: web.host: 0.0.0.0 is not a loopback address, and the looking glass shows the whole table: set web.token_file`)]);
    writeFileSync(join(dir, 'web.token'), 'short');
    writeFileSync(join(dir, 'web-short.yaml'), stringify({ ...base, web: { host: '0.0.0.0', port: 8080, token_file: 'web.token' } }));
    expect(dpp('config', 'check', join(dir, 'web-short.yaml')).stderr).toContain('web.token_file: the token in web.token is 5 characters; use at least 16');

    writeFileSync(join(dir, 'typo.yaml'), 'ad: esa.example.org\ncheckpiont: rib.sqlite\n');
    const typo = dpp('config', 'check', join(dir, 'typo.yaml'));
    expect([typo.status, typo.stderr.trim()]).toEqual([1, `${join(dir, 'typo.yaml')}: checkpiont: not a field of this config: remove it, or check its spelling`]);
    expect(dpp('config', 'frobnicate').status).toBe(2);

    // Every problem in one pass: a misspelt field does not hide the policy's problems, nor a key file that is not there.
    writeFileSync(join(dir, 'all.yaml'), stringify({ ...base, checkpiont: 'rib.sqlite', key_file: 'missing.key', policy: { import: { chains: [{ peers: ['*'], rules: [{ name: 'r', match: { patterns_in: 'nope' } }] }] } } }));
    const all = dpp('config', 'check', join(dir, 'all.yaml'));
    expect([all.status, all.stderr.trim().split('\n')]).toEqual([
      1,
      [
        `${join(dir, 'all.yaml')}: checkpiont: not a field of this config: remove it, or check its spelling`,
        `${join(dir, 'all.yaml')}: policy.import.chains[0].rules[0].match.patterns_in: no pattern set "nope"; define it under pattern_sets`,
        `${join(dir, 'all.yaml')}: key_file: ENOENT: no such file or directory, open '${join(dir, 'missing.key')}'`,
      ],
    ]);
  });

  it('reads the deploy/ examples: every service of the three sites, the session service missing only the files they name, one policy version', async () => {
    const versions = new Set<string>();
    for (const site of ['madrid', 'kourou', 'darmstadt']) {
      const file = join(root, 'deploy/examples/three-sites', `esa-${site}.yaml`);
      const run = dpp('config', 'check', file, '--json');
      const checks = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { service: string; status: string; detail: string });
      expect(checks.map((c) => [c.service, c.status])).toEqual([['session', site === 'darmstadt' ? 'not configured' : 'invalid'], ['policy', 'ok'], ['rib', 'ok'], ['fib-export', 'ok'], ['web', 'not configured']]);
      for (const line of run.stderr.trim().split('\n').filter(Boolean)) expect(line).toMatch(/: (key_file|tls\.(cert|key|ca)): .*ENOENT/);
      versions.add(/policy version ([0-9a-f]{16})/.exec(checks[1]!.detail)![1]!);
    }
    // Their one policy file: one policy, one version, at every site.
    expect(versions.size).toBe(1);
  });

  it('reads the policy from a policy_file, naming that file in its problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-include-'));
    const base = { ad: 'esa.example.org', peers: [{ ad: 'dsn.example.org' }] };
    const policy = { export: { gateway_eid: 'dtn://gw.esa.example.org/' } };
    writeFileSync(join(dir, 'policy.yaml'), stringify(policy));
    writeFileSync(join(dir, 'inline.yaml'), stringify({ ...base, policy }));
    writeFileSync(join(dir, 'shared.yaml'), stringify({ ...base, policy_file: 'policy.yaml' }));
    const version = (file: string) => /policy version ([0-9a-f]{16})/.exec(dpp('config', 'check', join(dir, file)).stdout)?.[1];
    expect(version('shared.yaml')).toBe(version('inline.yaml'));
    writeFileSync(join(dir, 'both.yaml'), stringify({ ...base, policy, policy_file: 'policy.yaml' }));
    expect(dpp('config', 'check', join(dir, 'both.yaml')).stderr).toBe(`${join(dir, 'both.yaml')}: policy_file: the policy is given twice; keep policy or policy_file\n`);
    writeFileSync(join(dir, 'missing.yaml'), stringify({ ...base, policy_file: 'nowhere.yaml' }));
    expect(dpp('config', 'check', join(dir, 'missing.yaml')).stderr).toContain(`${join(dir, 'missing.yaml')}: policy_file ${join(dir, 'nowhere.yaml')}: ENOENT`);
    writeFileSync(join(dir, 'bad-policy.yaml'), stringify({ export: { gateway_eid: 7 } }));
    writeFileSync(join(dir, 'bad.yaml'), stringify({ ...base, policy_file: 'bad-policy.yaml' }));
    expect(dpp('config', 'check', join(dir, 'bad.yaml')).stderr).toMatch(new RegExp(`^${join(dir, 'bad.yaml').replaceAll('.', '\\.')}: policy_file ${join(dir, 'bad-policy.yaml').replaceAll('.', '\\.')}: export\\.gateway_eid: `));
  });
});

