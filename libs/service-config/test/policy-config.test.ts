import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { applyImportPolicy } from '#libs/policy';
import { loadPolicyConfig } from '#libs/service-config';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

const blocks = [...readme.matchAll(/```yaml\n([\s\S]+?)```/g)].map((m) => m[1]!);

describe('policy service config', () => {
  it('reads its part of the speaker config README shows, and every policy example in README compiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-config-'));
    writeFileSync(join(dir, 'policy.yaml'), blocks[0]!.replace(/^ {3}/gm, ''));
    const loaded = await loadPolicyConfig(join(dir, 'policy.yaml'));
    if (Result.isFailure(loaded)) expect.fail(loaded.failure);
    expect(loaded.success).toMatchObject({ localAd: 'esa.example.org', peers: ['dsn.example.org', 'jaxa.example.org'], adjRibOutPrefix: 'dpp-out', peerEvents: 'DPP_PEER_EVENTS', peerSubjectPrefix: 'dpp.peer', restartMs: 0, batch: 256 });
    const policies = blocks.filter((b) => b.startsWith('policy:'));
    expect(policies.length).toBeGreaterThanOrEqual(2);
    for (const policy of policies) {
      writeFileSync(join(dir, 'policy.yaml'), `ad: esa.example.org\nnats: { url: "nats://127.0.0.1:4222" }\n${policy}`);
      const compiled = await loadPolicyConfig(join(dir, 'policy.yaml'));
      if (Result.isFailure(compiled)) expect.fail(compiled.failure);
    }
  });

  it('reads the import policy README shows, and it decides as README says', async () => {
    const policyExample = blocks.find((b) => b.startsWith('policy:'));
    expect(policyExample).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'dpp-config-')), 'policy.yaml');
    writeFileSync(file, `ad: esa.example.org\nnats: { url: "nats://127.0.0.1:4222" }\n${policyExample!}`);
    const loaded = await loadPolicyConfig(file);
    if (Result.isFailure(loaded)) expect.fail(loaded.failure);
    const verdict = applyImportPolicy(loaded.success.policy.import, {
      type: 'update',
      seq: 1,
      neighbor: 'dsn.example.org s',
      peerAd: 'dsn.example.org',
      withdrawn: [],
      accepted: [
        { patterns: ['ipn:100.1'], adPath: ['dsn.example.org'], metric: 0, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] },
        { patterns: ['ipn:100.2'], adPath: ['dsn.example.org', 'rogue.example.org'], metric: 0, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] },
      ],
      rejected: [],
    });
    expect(verdict.type === 'update' && [verdict.accepted.map((a) => [a.patterns, a.metric, a.maxBundleSize]), verdict.rejected.map((r) => r.rule)]).toEqual([[[['ipn:100.1'], 10, 10_000_000]], ['origin-authorization']]);
  });

  it('names the policy field at fault', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dpp-config-')), 'policy.yaml');
    writeFileSync(file, 'ad: esa.example.org\nnats: { url: "nats://127.0.0.1:4222" }\npolicy: { import: { chains: [{ peers: ["*"], rules: [{ name: r, match: { patterns_in: x } }] }] } }\n');
    const loaded = await loadPolicyConfig(file);
    expect(Result.isFailure(loaded) && loaded.failure).toBe(`${file}: policy.import.chains[0].rules[0].match.patterns_in: no pattern set "x"; define it under pattern_sets`);
  });

});
