import { writeFileSync } from 'node:fs';
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
