import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { generateAdKey, writeKeyFiles } from '#libs/identity';
import { startTlsLab } from '#libs/lab';
import { loadFibExportConfig, loadRibConfig, loadSpeakerConfig } from '#libs/service-config';

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

  it('reads the example config README shows for the RIB and the FIB export: their parts of the same file', async () => {
    const example = /```yaml\n([\s\S]+?)```/.exec(readme)![1]!;
    const file = join(mkdtempSync(join(tmpdir(), 'dpp-config-')), 'esa.yaml');
    writeFileSync(file, example.replace(/^ {3}/gm, ''));
    const rib = await loadRibConfig(file);
    if (Result.isFailure(rib)) expect.fail(rib.failure);
    expect(rib.success).toMatchObject({ localAd: 'esa.example.org', checkpoint: '/var/lib/dpp/rib.sqlite', ribInput: 'DPP_RIB_INPUT', batch: 256, catchUpMs: 60_000 });
    const fib = await loadFibExportConfig(file);
    if (Result.isFailure(fib)) expect.fail(fib.failure);
    expect(fib.success).toMatchObject({ bucketPrefix: 'dpp-fib', gateways: [{ name: 'goldstone', fromPeers: ['dsn.example.org'], schemes: ['ipn'] }, { name: 'madrid' }] });
  });

  it('names the part a service misses, and takes overrides from the environment', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dpp-config-')), 'bare.yaml');
    writeFileSync(file, 'ad: esa.example.org\n');
    const session = await loadSpeakerConfig(file);
    expect(Result.isFailure(session) && session.failure.split('\n')).toEqual([
      `${file}: key_file: missing: the session service signs with this AD key (dpp keygen writes one)`,
      `${file}: tls: missing: { cert, key, ca } of this AD, or plaintext-lab in labs`,
      `${file}: dns: missing: { resolvers: ["HOST:PORT"] }, a validating resolver`,
    ]);
    const rib = await loadRibConfig(file);
    expect(Result.isFailure(rib) && rib.failure).toBe(`${file}: checkpoint: missing: the RIB keeps its checkpoint in this SQLite file (e.g. /var/lib/dpp/rib.sqlite)`);
    writeFileSync(file, 'ad: esa.example.org\ncheckpoint: rib.sqlite\nnats: { url: "nats://in-the-file:4222" }\n');
    process.env['DPP_NATS_URL'] = 'nats://from-the-environment:4222';
    try {
      expect(Result.getOrThrow(await loadRibConfig(file)).natsUrl).toBe('nats://from-the-environment:4222');
    } finally {
      delete process.env['DPP_NATS_URL'];
    }
    expect(Result.getOrThrow(await loadRibConfig(file)).natsUrl).toBe('nats://in-the-file:4222');
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

  it('requires client certificates unless told not to, and then says what that lets through (§9.2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-config-'));
    await writeKeyFiles(join(dir, 'k'), await generateAdKey(), false);
    const lab = startTlsLab();
    const { cert, key } = lab.issue('a.example.test');
    const serverOnly = lab.issue('a.example.test', 'serverAuth');
    writeFileSync(join(dir, 'c.pem'), cert);
    writeFileSync(join(dir, 'k.pem'), key);
    writeFileSync(join(dir, 's.pem'), serverOnly.cert);
    writeFileSync(join(dir, 'sk.pem'), serverOnly.key);
    writeFileSync(join(dir, 'ca.pem'), lab.ca);
    lab.remove();
    const load = async (tls: string) => {
      writeFileSync(join(dir, 'a.yaml'), `ad: a.example.test\nkey_file: k\ntls: ${tls}\ndns: { resolvers: ["127.0.0.1"] }\n`);
      return Result.getOrThrow(await loadSpeakerConfig(join(dir, 'a.yaml')));
    };
    const strict = await load('{ cert: c.pem, key: k.pem, ca: ca.pem }');
    expect([strict.tls !== 'plaintext-lab' && strict.tls.requireClientCert, strict.warnings]).toEqual([true, []]);
    const open = await load('{ cert: c.pem, key: k.pem, ca: ca.pem, require_client_cert: false }');
    expect(open.warnings).toEqual([expect.stringContaining('tls.require_client_cert is false: a peer\'s Hello is not checked against a certificate')]);
    // Our certificate is our client certificate too: one for servers only would be refused by every peer that requires one.
    const server = await load('{ cert: s.pem, key: sk.pem, ca: ca.pem }');
    expect(server.warnings).toEqual([expect.stringContaining("tls.cert's extended key usage has no clientAuth")]);
  });
});
