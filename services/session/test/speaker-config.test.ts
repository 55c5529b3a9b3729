import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Result } from 'effect';
import { applyImportPolicy } from '#libs/policy';
import { describe, expect, it } from 'vitest';
import { generateAdKey, writeKeyFiles } from '#libs/identity';
import { loadRibConfig } from '../../rib/src/rib-config.ts';
import { loadSpeakerConfig } from '../src/speaker-config.ts';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

describe('speaker config', () => {
  it('reads the example config README shows: its only complaints are the files it names, absent here', async () => {
    const example = /```yaml\n([\s\S]+?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'dpp-config-'));
    const file = join(dir, 'esa.yaml');
    writeFileSync(file, example!.replace(/^ {3}/gm, ''));
    const loaded = await loadSpeakerConfig(file);
    const complaints = Result.isFailure(loaded) ? loaded.failure.split('\n') : [];
    expect(complaints.length).toBeGreaterThan(0);
    for (const line of complaints) expect(line).toMatch(/: (key_file|tls\.(cert|key|ca)): .*ENOENT/);
  });

  it('reads the RIB config README shows, the checkpoint path relative to the file', async () => {
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]+?)```/g)].map((m) => m[1]!);
    const ribExample = blocks.find((b) => b.includes('checkpoint:'));
    expect(ribExample).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'dpp-config-')), 'rib.yaml');
    writeFileSync(file, ribExample!);
    const loaded = await loadRibConfig(file);
    if (Result.isFailure(loaded)) expect.fail(loaded.failure);
    expect(loaded.success).toMatchObject({ localAd: 'esa.example.org', checkpoint: '/var/lib/dpp/rib.sqlite', ribInput: 'DPP_RIB_INPUT', restartMs: 0, batch: 256 });
  });

  it('reads the import policy README shows, and it decides as README says', async () => {
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]+?)```/g)].map((m) => m[1]!);
    const policyExample = blocks.find((b) => b.startsWith('policy:'));
    expect(policyExample).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'dpp-config-')), 'rib.yaml');
    writeFileSync(file, `ad: esa.example.org\nnats: { url: "nats://127.0.0.1:4222" }\ncheckpoint: rib.sqlite\n${policyExample!}`);
    const loaded = await loadRibConfig(file);
    if (Result.isFailure(loaded)) expect.fail(loaded.failure);
    const verdict = applyImportPolicy(loaded.success.policy, {
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
    const file = join(mkdtempSync(join(tmpdir(), 'dpp-config-')), 'rib.yaml');
    writeFileSync(file, 'ad: esa.example.org\nnats: { url: "nats://127.0.0.1:4222" }\ncheckpoint: rib.sqlite\npolicy: { import: { chains: [{ peers: ["*"], rules: [{ name: r, match: { patterns_in: x } }] }] } }\n');
    const loaded = await loadRibConfig(file);
    expect(Result.isFailure(loaded) && loaded.failure).toBe(`${file}: policy.import.chains[0].rules[0].match.patterns_in: no pattern set "x"; define it under pattern_sets`);
  });

  it('fills in the defaults, and says at start when DNSSEC or TLS is off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-config-'));
    await writeKeyFiles(join(dir, 'k'), await generateAdKey(), false);
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, 'ad: Lab.Example.test\nkey_file: k\ntls: plaintext-lab\ndns: { resolvers: ["[::1]", "127.0.0.1:5353"], require_dnssec: false }\nnats: { url: "nats://127.0.0.1:4222" }\npeers: [{ ad: peer.example.test, address: "127.0.0.1:4556" }]\n');
    const loaded = await loadSpeakerConfig(file);
    if (Result.isFailure(loaded)) expect.fail(loaded.failure);
    const config = loaded.success;
    expect(config.session).toMatchObject({ localAd: 'lab.example.test', speakerId: 'dtn://lab.example.test/dpp', holdTimeOffer: 90, holdTimeRange: [3, 65535] });
    expect(config.session.peers).toEqual(new Set(['peer.example.test']));
    expect(config.lookup).toMatchObject({ requireDnssec: false, resolvers: [{ host: '::1', port: 53 }, { host: '127.0.0.1', port: 5353 }], params: { alg: 65280, pubkey: 65281 } });
    expect(config.dial).toEqual([{ ad: 'peer.example.test', address: '127.0.0.1:4556' }]);
    expect(config.listen).toBeUndefined();
    expect(config.warnings).toHaveLength(2);
    expect(config.warnings[0]).toContain('WITHOUT DNSSEC');
    expect(config.warnings[1]).toContain('plaintext-lab');
  });
});
