import { createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { generateAdKey, keyPairFromPkcs8Pem, pkcs8Pem, publicKeyFromSpkiBase64, signNonce, spkiBase64, verifyNonce } from '#libs/identity';

describe('AD keys', () => {
  it('writes keys Node (OpenSSL) reads as the same ed25519 key pair, and verifies its signatures', async () => {
    const key = await generateAdKey();
    const nodePrivate = createPrivateKey(pkcs8Pem(key.secretKey));
    const nodePublic = createPublicKey({ key: Buffer.from(spkiBase64(key.publicKey), 'base64'), format: 'der', type: 'spki' });
    expect(nodePrivate.asymmetricKeyType).toBe('ed25519');
    expect(createPublicKey(nodePrivate).export({ format: 'der', type: 'spki' }).toString('base64')).toBe(spkiBase64(key.publicKey));
    const nonce = new Uint8Array(32).fill(9);
    expect(await verifyNonce(new Uint8Array(nodeSign(null, nonce, nodePrivate)), nonce, key.publicKey)).toBe(true);
    expect(nodePublic.asymmetricKeyType).toBe('ed25519');
  });

  it('publishes the key as the SPKI text platform.md describes (MCowBQYDK2VwAyEA + key)', async () => {
    const { publicKey } = await generateAdKey();
    const text = spkiBase64(publicKey);
    expect(text).toMatch(/^MCowBQYDK2VwAyEA[A-Za-z0-9+/]{43}=$/);
    expect(publicKeyFromSpkiBase64(text)).toEqual(Result.succeed(publicKey));
  });

  it('reads back the PEM it wrote', async () => {
    const key = await generateAdKey();
    expect(await keyPairFromPkcs8Pem(pkcs8Pem(key.secretKey))).toEqual(Result.succeed(key));
  });

  it.each([
    ['not base64!', 'not base64'],
    [Buffer.alloc(44).toString('base64'), 'not an ed25519 SubjectPublicKeyInfo'],
    ['MCowBQYDK2VwAyEA', 'not an ed25519 SubjectPublicKeyInfo (12 bytes)'],
  ])('refuses the dtn-pubkey %s', (text, phrase) => {
    const key = publicKeyFromSpkiBase64(text);
    expect(Result.isFailure(key) && key.failure).toContain(phrase);
  });

  it('refuses a PEM that is not an ed25519 PKCS#8 key', async () => {
    const rsaLike = '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n';
    const key = await keyPairFromPkcs8Pem(rsaLike);
    expect(Result.isFailure(key) && key.failure).toBe('not an ed25519 PKCS#8 private key');
    const none = await keyPairFromPkcs8Pem('hello');
    expect(Result.isFailure(none) && none.failure).toContain('not a PEM');
  });

  it('verifies a signature of the nonce only with the signing key, and not of another nonce', async () => {
    const [a, b] = [await generateAdKey(), await generateAdKey()];
    const nonce = crypto.getRandomValues(new Uint8Array(16));
    const signature = await signNonce(nonce, a.secretKey);
    expect(await verifyNonce(signature, nonce, a.publicKey)).toBe(true);
    expect(await verifyNonce(signature, nonce, b.publicKey)).toBe(false);
    expect(await verifyNonce(signature, crypto.getRandomValues(new Uint8Array(16)), a.publicKey)).toBe(false);
    expect(await verifyNonce(signature.subarray(1), nonce, a.publicKey)).toBe(false);
  });
});
