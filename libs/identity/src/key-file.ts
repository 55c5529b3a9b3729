import { constants } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { Result } from 'effect';
import { keyPairFromPkcs8Pem, pkcs8Pem, spkiBase64, type AdKeyPair } from './ad-key.ts';

/** Where a key pair is kept: the private key as PKCS#8 PEM (mode 0600), the public key beside it. */
export const publicKeyPath = (privateKeyPath: string): string => `${privateKeyPath}.pub`;

/**
 * Writes the private key, created with mode 0600 from the start (never briefly readable), and
 * `<file>.pub` with the dtn-pubkey text. An existing file is kept unless `overwrite`.
 */
export async function writeKeyFiles(path: string, key: AdKeyPair, overwrite: boolean): Promise<Result.Result<void, string>> {
  const flags = constants.O_WRONLY | constants.O_CREAT | (overwrite ? constants.O_TRUNC : constants.O_EXCL);
  try {
    const file = await open(path, flags, 0o600);
    try {
      await file.chmod(0o600);
      await file.writeFile(pkcs8Pem(key.secretKey));
    } finally {
      await file.close();
    }
    await writeFile(publicKeyPath(path), `${spkiBase64(key.publicKey)}\n`, { mode: 0o644 });
    return Result.succeed(undefined);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return Result.fail(code === 'EEXIST' ? `${path} exists: keep it, or pass --force to replace it` : `${path}: ${(error as Error).message}`);
  }
}

/** Reads a private key, refusing one that group or others can read (as ssh does). */
export async function readKeyFile(path: string): Promise<Result.Result<AdKeyPair, string>> {
  try {
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) !== 0) return Result.fail(`${path} is readable by others (mode 0${mode.toString(8)}): run chmod 600 ${path}`);
    const key = await keyPairFromPkcs8Pem(await readFile(path, 'utf8'));
    return Result.isSuccess(key) ? key : Result.fail(`${path}: ${key.failure}`);
  } catch (error) {
    return Result.fail(`${path}: ${(error as Error).message}`);
  }
}
