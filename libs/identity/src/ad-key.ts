import * as ed from '@noble/ed25519';
import { Result } from 'effect';

/** An AD's (or one speaker's, §5.1.1) signing key: ed25519, the algorithm §5.1 makes mandatory. */
export interface AdKeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export const generateAdKey = (): Promise<AdKeyPair> => ed.keygenAsync();

/** §5.2 step 4: what is signed is the raw nonce bytes (docs/spec-notes.md §5.2). */
export const signNonce = (nonce: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array> => ed.signAsync(nonce, secretKey);

/** Whether `signature` is this key's signature of `nonce`; malformed input is simply not. */
export async function verifyNonce(signature: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  try {
    return await ed.verifyAsync(signature, nonce, publicKey);
  } catch {
    return false;
  }
}

/** The DER framing of an ed25519 public key (SubjectPublicKeyInfo, RFC 8410) and private key (PKCS#8). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The dtn-pubkey text of §5.1: base64 of the SPKI DER (starts `MCowBQYDK2VwAyEA`). */
export const spkiBase64 = (publicKey: Uint8Array): string => Buffer.concat([SPKI_PREFIX, publicKey]).toString('base64');

export function publicKeyFromSpkiBase64(text: string): Result.Result<Uint8Array, string> {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return Result.fail('dtn-pubkey is not base64');
  const der = Buffer.from(text, 'base64');
  if (der.length !== SPKI_PREFIX.length + 32 || !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    return Result.fail(`dtn-pubkey is not an ed25519 SubjectPublicKeyInfo (${der.length} bytes)`);
  }
  return Result.succeed(new Uint8Array(der.subarray(SPKI_PREFIX.length)));
}

/** The private key as PKCS#8 PEM, the form openssl and Node's crypto read. */
export const pkcs8Pem = (secretKey: Uint8Array): string =>
  `-----BEGIN PRIVATE KEY-----\n${Buffer.concat([PKCS8_PREFIX, secretKey]).toString('base64')}\n-----END PRIVATE KEY-----\n`;

export async function keyPairFromPkcs8Pem(pem: string): Promise<Result.Result<AdKeyPair, string>> {
  const body = /-----BEGIN PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PRIVATE KEY-----/.exec(pem)?.[1];
  if (body === undefined) return Result.fail('not a PEM "PRIVATE KEY" (PKCS#8) file');
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (der.length !== PKCS8_PREFIX.length + 32 || !der.subarray(0, PKCS8_PREFIX.length).equals(PKCS8_PREFIX)) {
    return Result.fail('not an ed25519 PKCS#8 private key');
  }
  const secretKey = new Uint8Array(der.subarray(PKCS8_PREFIX.length));
  return Result.succeed({ secretKey, publicKey: await ed.getPublicKeyAsync(secretKey) });
}
