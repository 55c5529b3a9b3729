import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { loadDppFile } from '#libs/config';
import { formatPattern, parsePattern, patternFromWire } from '#libs/eid';
import { decodeExportedRoute, decodeHeartbeat, decodeLocRibChanges, decodeLoggedEvent, decodeRibInput, encodeRibInput } from '#libs/events';
import { decodeFibEntry } from '#libs/fib-export';
import { parseSvcbRdata } from '#libs/identity';
import { peerMessageCodec } from '#libs/wire';

/** Runs per property: short in `npm test`; DPP_FUZZ_RUNS raises it (`npm run fuzz`). */
const RUNS = Number(process.env['DPP_FUZZ_RUNS'] ?? 300);

/** JSON near a valid document: the document with one field removed, retyped or added, or cut short. */
const mutated = (valid: string): fc.Arbitrary<string> => {
  const doc = JSON.parse(valid) as Record<string, unknown>;
  const keys = Object.keys(doc);
  return fc.oneof(
    fc.constantFrom(...keys).map((k) => JSON.stringify({ ...doc, [k]: undefined })),
    fc.tuple(fc.constantFrom(...keys), fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...doc, [k]: v })),
    fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...doc, [k]: v })),
    fc.nat(valid.length).map((n) => valid.slice(0, n)),
    fc.string(),
  );
};

/** Issue 9, fuzzing the other inputs: whatever arrives, a reader answers with a value or why not; it never throws. */
describe('every decoder of what dpp reads back, under random and mutated input', () => {
  const update = encodeRibInput({ type: 'update', seq: 1, neighbor: 'a s', peerAd: 'a.org', withdrawn: [], accepted: [{ patterns: ['ipn:1.*.*'], adPath: ['a.org'], metric: 0, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] }], rejected: [] });
  const readers: [string, (json: string) => Result.Result<unknown, string>, string][] = [
    ['RIB input', (j) => decodeRibInput(j, 1), update],
    ['peer event', decodeLoggedEvent, JSON.stringify({ v: 1, kind: 'session-up', sessionId: 's', n: 1, speakerId: 'x', peerAd: 'a.org', peerSpeakerId: 'y', receivedAt: 1, holdTime: 90 })],
    ['Loc-RIB changes', decodeLocRibChanges, JSON.stringify({ v: 1, causeSeq: 1, at: 1, changes: [{ pattern: 'ipn:1.*.*', best: null, previous: null }] })],
    ['exported route', decodeExportedRoute, JSON.stringify({ v: 1, pattern: 'ipn:1.*.*', adPath: ['a.org'], metric: 0, transitive: [] })],
    ['heartbeat', decodeHeartbeat, JSON.stringify({ v: 1, instance: 'i', speakerId: 's', sessions: [] })],
    ['FIB entry', (j) => decodeFibEntry(j, 'ipn:1.*.*'), JSON.stringify({ v: 2, nextHop: 'ipn:0.1', peerAd: 'a.org', adPath: ['a.org'], causeSeq: 1 })],
    ['FIB entry of version 1', (j) => decodeFibEntry(j, 'ipn:1.*.*'), JSON.stringify({ v: 1, pattern: 'ipn:1.*.*', nextHop: 'ipn:0.1', peerAd: 'a.org', adPath: ['a.org'], causeSeq: 1 })],
  ];
  it.each(readers)('%s: a value or a reason, never a throw; the valid document still decodes', (_, read, valid) => {
    expect(Result.isSuccess(read(valid))).toBe(true);
    fc.assert(
      fc.property(mutated(valid), (json) => {
        const result = read(json);
        expect(Result.isSuccess(result) || typeof (result as Result.Failure<unknown, string>).failure === 'string').toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('EID pattern text: parses to a canonical form that parses to itself, or says where it fails', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^(ipn|dtn):[0-9*.[\]\-/a-z]{0,24}$/)), (text) => {
        const parsed = parsePattern(text);
        if (!parsed.ok) expect(parsed.error.message).toMatch(/column \d+/);
        else {
          const again = parsePattern(formatPattern(parsed.value));
          expect(again.ok && formatPattern(again.value)).toBe(formatPattern(parsed.value));
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('wire patterns and PeerMessages from random bytes: decoded or refused, never thrown past the codec', () => {
    const codec = peerMessageCodec();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        let message;
        try {
          message = codec.decode(Buffer.from(bytes));
        } catch {
          return; // The session answers MALFORMED_MESSAGE (peer-service.ts).
        }
        for (const a of message.update?.announcements ?? []) for (const p of a.patterns) patternFromWire(p);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('SVCB RDATA from DNS: a record or why not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (rdata) => {
        const result = parseSvcbRdata(rdata);
        expect(Result.isSuccess(result) || typeof (result as Result.Failure<unknown, string>).failure === 'string').toBe(true);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('config files: checked or refused with lines naming the file, never thrown, nothing printed past them', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dpp-fuzz-')), 'dpp.yaml');
    // The YAML parser warns on process (an unknown tag, a directive): such a file must be refused in its own lines instead.
    const warnings: string[] = [];
    const warned = (warning: Error) => warnings.push(warning.message);
    process.on('warning', warned);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.dictionary(fc.constantFrom('ad', 'nats', 'peers', 'policy', 'policy_file', 'limits', 'checkpoint', 'gateways', 'liveness'), fc.jsonValue()).map((v) => JSON.stringify(v))), async (text) => {
        writeFileSync(file, text);
        const loaded = await loadDppFile(file);
        if (Result.isFailure(loaded)) for (const line of loaded.failure.split('\n')) expect(line.startsWith(`${file}: `)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
    writeFileSync(file, 'ad: !custom a.example.test\n');
    expect(await loadDppFile(file)).toEqual(Result.fail(`${file}: Unresolved tag: !custom at line 1, column 5`));
    // A collection as a key is warned of only when the document becomes values: printed nowhere, and the file refused by the schema.
    writeFileSync(file, '? [a, b]\n: 1\n');
    expect(Result.isFailure(await loadDppFile(file))).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', warned);
    expect(warnings).toEqual([]);
  });
});
