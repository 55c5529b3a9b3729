import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { join } from 'node:path';
import { writeKeyFiles, type AdKeyPair } from '#libs/identity';
import type { TlsLab } from '#libs/lab';

/**
 * An AD's files as its config names them, in `dir`: the AD key (`<name>.key`, 0600), its TLS
 * certificate and key from the lab CA (`<name>.crt`, `<name>-tls.key`), and the CA (`ca.crt`).
 */
export async function writeSpeakerFiles(dir: string, name: string, ad: string, key: AdKeyPair, tls: TlsLab): Promise<void> {
  await writeKeyFiles(join(dir, `${name}.key`), key, false);
  const cert = tls.issue(ad);
  writeFileSync(join(dir, `${name}.crt`), cert.cert);
  writeFileSync(join(dir, `${name}-tls.key`), cert.key, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), tls.ca);
}

/**
 * A speaker of `ad` as the four `dpp` services read it, in `dir/dpp.yaml`: the files of
 * `writeSpeakerFiles(dir, 'us', …)`, the lab's resolver, one peer, one gateway `gw`, a message
 * rate no load here reaches; `extra` adds or replaces top-level fields. Returns the file's path.
 */
export function writeSpeakerConfig(dir: string, options: { ad: string; peer: string; natsUrl: string; port: number; resolver: { host: string; port: number }; extra?: Record<string, unknown> }): string {
  const path = join(dir, 'dpp.yaml');
  writeFileSync(
    path,
    stringify({
      ad: options.ad,
      key_file: 'us.key',
      tls: { cert: 'us.crt', key: 'us-tls.key', ca: 'ca.crt' },
      dns: { resolvers: [`${options.resolver.host}:${options.resolver.port}`] },
      nats: { url: options.natsUrl },
      listen: { host: '127.0.0.1', port: options.port },
      peers: [{ ad: options.peer }],
      session: { message_rate: { per_second: 100_000, burst: 100_000 } },
      checkpoint: 'rib.sqlite',
      batch: 256,
      gateways: [{ name: 'gw' }],
      ...options.extra,
    }),
  );
  return path;
}
