import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { patternToWire } from '#libs/eid';
import { peerMessageCodec, type PeerMessage } from '#libs/wire';
import { anyPattern, anyPeerMessage } from './arbitraries.ts';
import { grpcFrame } from './raw-h2.ts';

/** Where a fuzzed stream's session stands when the fuzz input starts (§8.1, Responder side). */
export type Target = 'CONNECTING' | 'HANDSHAKE_SENT' | 'CHALLENGE_WAIT' | 'RESPONSE_SENT' | 'ESTABLISHED';

/** Messages the hand-made handshake sends before a target: the fuzz input numbers on from there. */
const PREFIX_MESSAGES: Record<Target, number> = { CONNECTING: 0, HANDSHAKE_SENT: 1, CHALLENGE_WAIT: 1, RESPONSE_SENT: 2, ESTABLISHED: 2 };

/** One write on the stream; `inputs` counts the gRPC messages in it, or 1 for bytes that are none. */
export interface Chunk {
  readonly kind: string;
  readonly bytes: Buffer;
  readonly inputs: number;
}

export interface StreamScript {
  readonly target: Target;
  /** The grpc-encoding header: gzip is one grpc-js decompresses, br one it does not. */
  readonly encoding: 'identity' | 'gzip' | 'br';
  readonly chunks: readonly Chunk[];
  /** A grpc-timeout header: a deadline grpc-js ends the call at (or refuses, when it does not parse). */
  readonly deadline: string | undefined;
  /** 'end': END_STREAM after the chunks; 'reset': RST_STREAM, as a peer that crashed. */
  readonly finish: 'end' | 'reset';
}

const codec = peerMessageCodec();

/** How a message is numbered (docs §7.2): the next number, unnumbered, one already used, or the largest uint64. */
type Numbering = 'next' | 'zero' | 'stale' | 'max';
const numbering: fc.Arbitrary<Numbering> = fc.oneof(
  { weight: 16, arbitrary: fc.constant('next' as const) },
  { weight: 4, arbitrary: fc.constant('zero' as const) },
  { weight: 2, arbitrary: fc.constant('stale' as const) },
  { weight: 1, arbitrary: fc.constant('max' as const) },
);
const MAX_SEQ = '18446744073709551615';

/** Valid patterns as sent: node ranges have no wire form (docs §7.6), so they are left out. */
const wirePattern = anyPattern.map(patternToWire).filter((w) => w.ok).map((w) => (w as Extract<typeof w, { ok: true }>).value);

/** A message body the session accepts once ESTABLISHED (as the peer `peer`): bulk between the fuzz inputs. */
const accepted = (peer: string, names: readonly string[]): fc.Arbitrary<Omit<PeerMessage, 'sequence_number'>> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant({ keep_alive: {} }) },
    { weight: 2, arbitrary: fc.record({ notification: fc.record({ level: fc.constantFrom('INFO', 'WARNING'), code: fc.nat(40), message: fc.string({ maxLength: 40 }) }) }) },
    {
      weight: 1,
      arbitrary: fc
        .record({
          announcements: fc.array(fc.record({ patterns: fc.array(wirePattern, { minLength: 1, maxLength: 3 }), path: fc.array(fc.constantFrom(...names), { maxLength: 2 }), metric: fc.nat(10) }), { maxLength: 2 }),
          withdrawals: fc.array(fc.array(wirePattern, { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
        })
        .map(({ announcements, withdrawals }) => ({
          update: {
            announcements: announcements.map((a) => ({ patterns: a.patterns, ad_path: [peer, ...a.path], metric: a.metric })),
            withdrawals: withdrawals.map((w) => ({ patterns: w })),
          },
        })),
    },
  );

/** Byte-level mutations of an encoded message; the frame around it stays honest. */
const mutation = (bytes: Buffer): fc.Arbitrary<Buffer> => {
  const at = fc.nat(Math.max(0, bytes.length - 1));
  return fc.oneof(
    fc.tuple(at, fc.integer({ min: 1, max: 255 })).map(([i, x]) => Buffer.from(bytes.map((b, j) => (j === i ? b ^ x : b)))),
    fc.tuple(at, fc.nat(8)).map(([i, n]) => Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + n)])),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([i, extra]) => Buffer.concat([bytes.subarray(0, i), extra, bytes.subarray(i)])),
    fc.nat(bytes.length).map((n) => bytes.subarray(0, n)),
    // A field this version does not know, which protobuf skips: still the same message.
    fc.tuple(fc.integer({ min: 40, max: 2000 }), fc.nat()).map(([field, value]) => Buffer.concat([bytes, varint(field << 3), varint(value)])),
  );
};

const varint = (n: number): Buffer => {
  const out: number[] = [];
  for (let v = n >>> 0; ; v >>>= 7) {
    if (v < 0x80) return Buffer.from([...out, v]);
    out.push((v & 0x7f) | 0x80);
  }
};

export interface ScriptOptions {
  readonly peer: string;
  /** AD names for the fuzzed fields: the peer's, other DNS names, and names that are none. */
  readonly ads: readonly string[];
  readonly maxMessageBytes: number;
  readonly transportMax: number;
  /** Most accepted messages written before the fuzz input of an ESTABLISHED stream. */
  readonly bulk: number;
}

/** The ADs of the list a well-formed AD_PATH may hold. */
const dnsNames = (ads: readonly string[]) => ads.filter((a) => a.includes('.') && !a.includes('..'));

/** A body and how it is numbered; numbers are given when the script is put together. */
type Draft = { readonly kind: string; readonly build: (seq: string, encoding: StreamScript['encoding']) => Buffer };

/**
 * The fuzz input of one stream, as writes: messages of every kind (well-formed or not, in any
 * state), mutations of their bytes, bytes that are no gRPC message at all, frames whose header
 * lies about their length or compression, messages over our limit and over grpc-js's.
 */
function drafts(o: ScriptOptions): fc.Arbitrary<Draft> {
  const message = anyPeerMessage(o.ads).map(({ sequence_number: _, ...body }) => body);
  const any = fc.oneof(message, accepted(o.peer, dnsNames(o.ads)));
  const encoded = (body: Omit<PeerMessage, 'sequence_number'>, seq: string) => codec.encode({ sequence_number: seq, ...body });
  return fc.oneof(
    { weight: 6, arbitrary: message.map((body): Draft => ({ kind: 'message', build: (seq) => grpcFrame(encoded(body, seq)) })) },
    {
      weight: 4,
      arbitrary: fc.tuple(any, fc.nat()).chain(([body, n]) => mutation(encoded(body, String(n % 50))).map((bytes): Draft => ({ kind: 'mutated', build: () => grpcFrame(bytes) }))),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(any, fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 255 })), fc.boolean()).map(
        ([body, flag, zip]): Draft => ({
          kind: `flag ${flag === 1 ? 1 : 'other'}${zip ? ' gzipped' : ''}`,
          build: (seq, encoding) => {
            const bytes = encoded(body, seq);
            return grpcFrame(zip && flag === 1 && encoding === 'gzip' ? gzipSync(bytes) : bytes, { flag });
          },
        }),
      ),
    },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b): Draft => ({ kind: 'raw bytes', build: () => Buffer.from(b) })) },
    {
      weight: 1,
      arbitrary: fc.tuple(any, fc.integer({ min: -64, max: 64 })).map(([body, delta]): Draft => ({
        kind: 'lying length',
        build: (seq) => {
          const bytes = encoded(body, seq);
          return grpcFrame(bytes, { length: Math.max(0, bytes.length + delta) });
        },
      })),
    },
    { weight: 1, arbitrary: fc.tuple(any, fc.nat(40)).map(([body, keep]): Draft => ({ kind: 'truncated', build: (seq) => grpcFrame(encoded(body, seq)).subarray(0, 5 + keep) })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 64 }), fc.boolean()).map(([over, zip]): Draft => ({
        kind: `over our limit${zip ? ' gzipped' : ''}`,
        build: (seq, encoding) => {
          const bytes = encoded({ notification: { level: 'INFO', message: 'x'.repeat(o.maxMessageBytes + over) } }, seq);
          return zip && encoding === 'gzip' ? grpcFrame(gzipSync(bytes), { flag: 1 }) : grpcFrame(bytes);
        },
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: o.transportMax + 1, max: 0xffffffff }), fc.uint8Array({ maxLength: 16 })).map(([length, tail]): Draft => ({
        kind: 'over the transport limit',
        build: () => grpcFrame(tail, { length }),
      })),
    },
  );
}

/** Scripts for one stream each: a target state, then (ESTABLISHED) a bulk of accepted messages, then the fuzz input. */
export function streamScript(o: ScriptOptions): fc.Arbitrary<StreamScript> {
  const target = fc.oneof(
    { weight: 4, arbitrary: fc.constant<Target>('ESTABLISHED') },
    { weight: 2, arbitrary: fc.constant<Target>('CONNECTING') },
    { weight: 2, arbitrary: fc.constant<Target>('CHALLENGE_WAIT') },
    { weight: 1, arbitrary: fc.constant<Target>('HANDSHAKE_SENT') },
    { weight: 1, arbitrary: fc.constant<Target>('RESPONSE_SENT') },
  );
  const encoding = fc.oneof({ weight: 8, arbitrary: fc.constant('identity' as const) }, { weight: 2, arbitrary: fc.constant('gzip' as const) }, { weight: 1, arbitrary: fc.constant('br' as const) });
  // The bulk repeats a few generated messages (numbered afresh) so that a long run costs sending,
  // not generating. Updates are events in the log: only in the first pass, but for a few streams
  // that send them all along, so that the session stops reading while the log catches up.
  const bulk = fc.record({
    pool: fc.array(fc.tuple(accepted(o.peer, dnsNames(o.ads)), numbering), { minLength: 1, maxLength: 12 }),
    count: fc.nat(o.bulk),
    logHeavy: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  });
  const deadline = fc.oneof({ weight: 30, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('1n', '20m', '100m', '10S', '99999999H', 'zz', '') });
  return fc
    .record({ target, encoding, deadline, bulk, fuzz: fc.array(fc.tuple(drafts(o), numbering), { minLength: 1, maxLength: 4 }), finish: fc.oneof({ weight: 9, arbitrary: fc.constant('end' as const) }, { weight: 1, arbitrary: fc.constant('reset' as const) }) })
    .map(({ target, encoding, deadline, bulk, fuzz, finish }) => {
      let last = PREFIX_MESSAGES[target];
      const number = (n: Numbering) => (n === 'zero' ? '0' : n === 'stale' ? String(Math.max(1, last)) : n === 'max' ? MAX_SEQ : String(++last));
      const chunks: Chunk[] = [];
      if (target === 'ESTABLISHED' && bulk.count > 0) {
        let frames: Buffer[] = [];
        for (let i = 0; i < bulk.count; i++) {
          const [body, n] = bulk.pool[i % bulk.pool.length]!;
          if (i >= bulk.pool.length && 'update' in body && !bulk.logHeavy) continue;
          frames.push(grpcFrame(codec.encode({ sequence_number: number(n === 'zero' ? 'zero' : 'next'), ...body })));
          if (frames.length === 64) {
            chunks.push({ kind: 'bulk', bytes: Buffer.concat(frames), inputs: frames.length });
            frames = [];
          }
        }
        if (frames.length > 0) chunks.push({ kind: 'bulk', bytes: Buffer.concat(frames), inputs: frames.length });
      }
      for (const [draft, n] of fuzz) chunks.push({ kind: draft.kind, bytes: draft.build(number(n), encoding), inputs: 1 });
      return { target, encoding, deadline, chunks, finish };
    });
}
