import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installed, SERVER_ENV } from './server-process.ts';

/** A test CA and certificates naming ADs (subjectAltName DNS) or IPv4 addresses (subjectAltName IP), made with the openssl CLI. */
export interface TlsLab {
  readonly ca: Buffer;
  /** A certificate and key for `name`, signed by the lab CA. */
  /** `usage`: an extended key usage to restrict it to (none: any use, as the lab's peers need). */
  issue(name: string, usage?: 'serverAuth' | 'clientAuth'): { cert: Buffer; key: Buffer };
  remove(): void;
}

export function startTlsLab(): TlsLab {
  installed('openssl', 'openssl');
  const dir = mkdtempSync(join(tmpdir(), 'dpp-tls-'));
  const run = (...args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, env: SERVER_ENV, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=dpp test CA');
  return {
    ca: readFileSync(join(dir, 'ca.crt')),
    issue: (name, usage) => {
      run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${/^\d+\.\d+\.\d+\.\d+$/.test(name) ? 'IP' : 'DNS'}:${name}\n${usage ? `extendedKeyUsage=${usage}\n` : ''}`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
      return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
