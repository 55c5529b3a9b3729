import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SVC_PARAMS,
  generateAdKey,
  lookupDtnIdentity,
  signNonce,
  spkiBase64,
  svcbZoneLine,
  verifyNonce,
  type AdKeyPair,
  type LookupOptions,
  type Resolver,
} from '#libs/identity';
import { freePort, startDnsLab, type DnsLab } from '#libs/lab';

/**
 * §5.2 step 2 against real DNS: knot serving a DNSSEC-signed zone and an unsigned one, unbound
 * validating (and a second unbound with a wrong trust anchor). The records are the zone lines
 * `dpp keygen` prints, so this also proves knot takes them as they are.
 */
describe('SVCB identity lookup through a validating resolver', () => {
  let lab: DnsLab;
  const keys: Record<string, AdKeyPair> = {};
  const MANY = 30;
  const many: AdKeyPair[] = [];

  beforeAll(async () => {
    for (const name of ['alpha', 'beta1', 'beta2', 'gamma']) keys[name] = await generateAdKey();
    for (let i = 0; i < MANY; i++) many.push(await generateAdKey());
    const line = (ad: string, key: AdKeyPair, priority = 1) => svcbZoneLine(ad, key.publicKey, DEFAULT_SVC_PARAMS, priority);
    lab = await startDnsLab({
      signed: [
        line('alpha.example.test', keys['alpha']!),
        line('beta.example.test', keys['beta1']!, 1),
        line('beta.example.test', keys['beta2']!, 2),
        `_dtn_domain.legacy.example.test. IN SVCB 1 . key65280="rsa" key65281="${spkiBase64(keys['alpha']!.publicKey)}"`,
        '_dtn_domain.broken.example.test. IN SVCB 1 . key65280="ed25519" key65281="MCowBQYDK2VwAyEAnotakey"',
        '_dtn_domain.plain.example.test. IN SVCB 1 . alpn="h2"',
        ...many.map((key, i) => line('many.example.test', key, i + 1)),
      ],
      unsigned: [line('gamma.unsigned.test', keys['gamma']!)],
    });
  }, 60_000);
  afterAll(() => lab?.stop());

  const options = (resolvers: Resolver[], requireDnssec = true): LookupOptions => ({ resolvers, requireDnssec, timeoutMs: 2_000, params: DEFAULT_SVC_PARAMS });
  const lookup = (ad: string, opts = options([lab.resolver])) => lookupDtnIdentity(ad, opts);
  const failure = async (ad: string, opts?: LookupOptions) => {
    const result = await lookup(ad, opts);
    return Result.isFailure(result) ? result.failure.reason : 'accepted';
  };

  it('finds the published key with the AD bit, and a signature by it verifies', async () => {
    const identity = await lookup('alpha.example.test');
    if (Result.isFailure(identity)) expect.fail(identity.failure.message);
    expect(identity.success).toMatchObject({ ad: 'alpha.example.test', authenticated: true, keys: [keys['alpha']!.publicKey] });
    const nonce = crypto.getRandomValues(new Uint8Array(32));
    expect(await verifyNonce(await signNonce(nonce, keys['alpha']!.secretKey), nonce, identity.success.keys[0]!)).toBe(true);
  });

  it('returns every per-speaker key (§5.1.1)', async () => {
    const identity = await lookup('beta.example.test');
    expect(Result.isSuccess(identity) && new Set(identity.success.keys.map((k) => Buffer.from(k).toString('hex')))).toEqual(
      new Set([keys['beta1']!, keys['beta2']!].map((k) => Buffer.from(k.publicKey).toString('hex'))),
    );
  });

  it('falls back to TCP when the RRset does not fit a UDP answer', async () => {
    const identity = await lookup('many.example.test');
    expect(Result.isSuccess(identity) && identity.success.keys.length).toBe(MANY);
  });

  it.each([
    ['an AD that publishes nothing', 'nobody.example.test', 'no-records'],
    ['records without DPP parameters', 'plain.example.test', 'no-records'],
    ['an algorithm other than ed25519', 'legacy.example.test', 'unsupported-algorithm'],
    ['a malformed key', 'broken.example.test', 'malformed-key'],
    ['an unsigned zone while DNSSEC is required', 'gamma.unsigned.test', 'dnssec-unsigned'],
  ])('refuses %s', async (_, ad, reason) => {
    expect(await failure(ad)).toBe(reason);
  });

  it('refuses a bogus answer (a trust anchor that matches no key) as a DNSSEC failure', async () => {
    expect(await failure('alpha.example.test', options([lab.bogusResolver]))).toBe('dnssec-bogus');
  });

  it('refuses the authoritative server, which never sets AD, while DNSSEC is required', async () => {
    expect(await failure('alpha.example.test', options([lab.authoritative]))).toBe('dnssec-unsigned');
  });

  it('accepts an unsigned answer only with DNSSEC explicitly off, and says it is unauthenticated', async () => {
    const identity = await lookup('gamma.unsigned.test', options([lab.resolver], false));
    expect(Result.isSuccess(identity) && identity.success).toMatchObject({ authenticated: false, keys: [keys['gamma']!.publicKey] });
  });

  it('moves on from a resolver that does not answer, and fails as a DNS failure when none does', async () => {
    const silent = { host: '127.0.0.1', port: await freePort() };
    const quick = { ...options([silent, lab.resolver]), timeoutMs: 300 };
    expect(Result.isSuccess(await lookup('alpha.example.test', quick))).toBe(true);
    expect(await failure('alpha.example.test', { ...quick, resolvers: [silent] })).toBe('dns-failure');
  });
});
