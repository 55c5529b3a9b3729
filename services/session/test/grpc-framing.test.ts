import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { framingCheck } from '../src/grpc-framing.ts';

const frame = (flag: number, body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(5 + body.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, body.length);
  out.set(body, 5);
  return out;
};
const concat = (parts: readonly Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** Feeds `bytes` cut at `cuts`, then ends: the first break seen. */
function check(encoding: string, bytes: Uint8Array, cuts: readonly number[]) {
  const framing = framingCheck(encoding);
  const at = [0, ...[...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b), bytes.length];
  for (let i = 1; i < at.length; i++) {
    const error = framing.write(bytes.subarray(at[i - 1], at[i]));
    if (error) return error;
  }
  return framing.end();
}

describe('gRPC framing check', () => {
  const bodies = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 });
  const cuts = fc.array(fc.nat(), { maxLength: 8 });

  it('passes whole messages of flag 0 however the stream cuts them, and flag 1 when an encoding is declared', () => {
    fc.assert(
      fc.property(bodies, cuts, fc.boolean(), (parts, at, compressed) => {
        const bytes = concat(parts.map((b) => frame(compressed ? 1 : 0, b)));
        expect(check(compressed ? 'gzip' : 'identity', bytes, at)).toBeUndefined();
      }),
    );
  });

  it('finds a stream ended inside a message, wherever the bytes stop', () => {
    fc.assert(
      fc.property(bodies, fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), cuts, (parts, last, keep, at) => {
        const whole = frame(0, last);
        const bytes = concat([...parts.map((b) => frame(0, b)), whole.subarray(0, 1 + (keep % (whole.length - 1)))]);
        expect(check('identity', bytes, at)).toMatchObject({ kind: 'truncated', reason: expect.stringContaining(`message ${parts.length + 1}`) });
      }),
    );
  });

  it('finds a flag the stream cannot have, naming the message', () => {
    fc.assert(
      fc.property(bodies, fc.integer({ min: 1, max: 255 }), cuts, (parts, flag, at) => {
        const bytes = concat([...parts.map((b) => frame(0, b)), frame(flag, new Uint8Array([1, 2, 3]))]);
        const reason = flag === 1 ? 'is marked compressed, but the stream declared no grpc-encoding' : `has Compressed-Flag ${flag}; only 0 and 1 exist`;
        expect(check('identity', bytes, at)).toEqual({ kind: 'compressed-flag', reason: `message ${parts.length + 1} ${reason}` });
      }),
    );
  });

  it('says how far a cut-short message fell short', () => {
    expect(check('identity', frame(0, new Uint8Array(10)).subarray(0, 8), [])).toEqual({ kind: 'truncated', reason: 'the stream ended 7 bytes short of the end of message 1' });
    expect(check('identity', frame(0, new Uint8Array(4 * 2 ** 24)).subarray(0, 5), [])).toEqual({ kind: 'truncated', reason: `the stream ended ${4 * 2 ** 24} bytes short of the end of message 1` });
    expect(check('identity', new Uint8Array([0, 0]), [])).toEqual({ kind: 'truncated', reason: 'the stream ended inside the 5-byte header of message 1 (2 bytes of it)' });
  });
});
