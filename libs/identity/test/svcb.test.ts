import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SVC_PARAMS, dtnIdentity, generateAdKey, parseSvcbRdata, spkiBase64, svcbZoneLine, type SvcbRecord } from '#libs/identity';

/** SVCB RDATA as a DNS server sends it (RFC 9460 §2.2). */
function encode(record: SvcbRecord): Uint8Array {
  const labels = record.target === '.' ? [] : record.target.replace(/\.$/, '').split('.');
  const parts = [Buffer.from([record.priority >> 8, record.priority & 0xff])];
  for (const label of labels) parts.push(Buffer.from([label.length]), Buffer.from(label, 'latin1'));
  parts.push(Buffer.from([0]));
  for (const [key, value] of record.params) parts.push(Buffer.from([key >> 8, key & 0xff, value.length >> 8, value.length & 0xff]), Buffer.from(value));
  return new Uint8Array(Buffer.concat(parts));
}

const text = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const { alg, pubkey } = DEFAULT_SVC_PARAMS;

describe('SVCB RDATA', () => {
  it('reads priority, target and params', () => {
    const record: SvcbRecord = { priority: 2, target: 'cbr.dsn.example.org.', params: new Map([[3, new Uint8Array([0x11, 0xcc])], [alg, text('ed25519')]]) };
    expect(parseSvcbRdata(encode(record))).toEqual(Result.succeed(record));
    expect(parseSvcbRdata(encode({ ...record, target: '.' }))).toEqual(Result.succeed({ ...record, target: '.' }));
  });

  it.each([
    ['too short', new Uint8Array([0, 1]), 'too short'],
    ['an unterminated target', new Uint8Array([0, 1, 3, 0x61]), 'label runs past'],
    ['a compressed target', new Uint8Array([0, 1, 0xc0, 12]), 'compressed'],
    ['a truncated param header', new Uint8Array([0, 1, 0, 0xff]), 'header runs past'],
    ['a param value past the end', new Uint8Array([0, 1, 0, 0, 3, 0, 5, 1]), 'value runs past'],
    ['keys out of order', encode({ priority: 1, target: '.', params: new Map([[5, text('a')], [3, text('b')]]) }), 'not strictly increasing'],
    ['a repeated key', new Uint8Array([0, 1, 0, 0, 3, 0, 0, 0, 3, 0, 0]), 'not strictly increasing'],
  ])('refuses %s', (_, rdata, phrase) => {
    const parsed = parseSvcbRdata(rdata);
    expect(Result.isFailure(parsed) && parsed.failure).toContain(phrase);
  });
});

describe('dtnIdentity (§5.1, §5.1.1)', () => {
  const record = (priority: number, params: [number, string][]): SvcbRecord => ({ priority, target: '.', params: new Map(params.map(([k, v]) => [k, text(v)])) });

  it('collects every ed25519 key of the RRset and says why it passed over the others', async () => {
    const [a, b] = [await generateAdKey(), await generateAdKey()];
    const identity = dtnIdentity('dsn.example.org', [
      record(1, [[alg, 'ed25519'], [pubkey, spkiBase64(a.publicKey)]]),
      record(2, [[alg, 'ED25519'], [pubkey, spkiBase64(b.publicKey)]]),
      record(3, [[alg, 'rsa'], [pubkey, spkiBase64(b.publicKey)]]),
      record(0, []),
      record(4, [[1, 'h2']]),
    ], DEFAULT_SVC_PARAMS);
    if (Result.isFailure(identity)) expect.fail(identity.failure.message);
    expect(identity.success.keys).toEqual([a.publicKey, b.publicKey]);
    expect(identity.success.skipped).toEqual([
      'record 3 (priority 3, target .): dtn-alg "rsa" is not ed25519',
      'record 4 (priority 0, target .): AliasMode, not followed',
      'record 5 (priority 4, target .): no key65280 (dtn-alg) and key65281 (dtn-pubkey)',
    ]);
  });

  it.each([
    ['malformed-key', [record(1, [[alg, 'rsa'], [pubkey, 'MCow']]), record(2, [[alg, 'ed25519'], [pubkey, 'bad!']])]],
    ['unsupported-algorithm', [record(1, [[alg, 'rsa'], [pubkey, 'MCow']]), record(2, [[1, 'h2']])]],
    ['malformed-key', [record(1, [[alg, 'ed25519'], [pubkey, 'bad!']]), record(2, [[1, 'h2']])]],
    ['no-records', [record(1, [[1, 'h2']])]],
    ['no-records', []],
  ] as const)('fails with %s when no key is usable', (reason, records) => {
    const identity = dtnIdentity('dsn.example.org', records, DEFAULT_SVC_PARAMS);
    expect(Result.isFailure(identity) && identity.failure.reason).toBe(reason);
  });

  it('reads the parameters under configured key numbers', async () => {
    const a = await generateAdKey();
    const params = { alg: 65300, pubkey: 65301 };
    const identity = dtnIdentity('x.test', [record(1, [[65300, 'ed25519'], [65301, spkiBase64(a.publicKey)]])], params);
    expect(Result.isSuccess(identity) && identity.success.keys).toEqual([a.publicKey]);
    expect(Result.isFailure(dtnIdentity('x.test', [record(1, [[65300, 'ed25519'], [65301, spkiBase64(a.publicKey)]])], DEFAULT_SVC_PARAMS))).toBe(true);
  });

  it('prints the zone line of §5.1 with the configured keys', async () => {
    const a = await generateAdKey();
    expect(svcbZoneLine('dsn.example.org', a.publicKey, DEFAULT_SVC_PARAMS)).toBe(
      `_dtn_domain.dsn.example.org. IN SVCB 1 . key65280="ed25519" key65281="${spkiBase64(a.publicKey)}"`,
    );
  });
});
