import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Result } from 'effect';
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
    expect(loaded.success).toMatchObject({ localAd: 'esa.example.org', checkpoint: '/var/lib/dpp/rib.sqlite', ribInput: 'DPP_RIB_INPUT', batch: 256 });
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
