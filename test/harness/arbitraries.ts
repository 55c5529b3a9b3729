import fc from 'fast-check';
import { parseEid, parsePattern, type Eid, type EidPattern } from '#libs/eid';
import type { PeerMessage } from '#libs/wire';

/**
 * Generators of valid patterns and concrete EIDs for property tests. Values come from small
 * pools so that generated EIDs often match several generated patterns at once (where ranking
 * bugs live), with the extremes of each field mixed in.
 */
const u32 = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 32 - 1 }) },
);
const allocator = fc.integer({ min: 0, max: 3 });
const range = fc.tuple(u32, u32).map(([a, b]) => `[${Math.min(a, b)}-${Math.max(a, b)}]`);
const labelPart = fc.constantFrom('', 'r', 'ro', 'rover', 'rover1', 'er', '1', 'x-y', 'a_b');
const label = labelPart.filter((l) => l !== '');
const domain = fc.constantFrom('', 'example.org', 'mars.example.org', 'org', 'b.c');
const join = (first: string, rest: string): string => (rest === '' ? first : `${first}.${rest}`);

const path = fc.constantFrom('/', '/svc', '/svc/a', '/Svc');

/** Every kind of draft -01 pattern, and the -00 forms beside them (which read as -01 ones). */
const patternText = fc.oneof(
  fc.tuple(allocator, u32, u32).map(([a, n, s]) => `ipn:${a}.${n}.${s}`),
  fc.tuple(allocator, u32, range).map(([a, n, r]) => `ipn:${a}.${n}.${r}`),
  fc.tuple(allocator, u32).map(([a, n]) => `ipn:${a}.${n}.*`),
  allocator.map((a) => `ipn:${a}.*.*`),
  fc.tuple(allocator, range).map(([a, r]) => `ipn:${a}.${r}.*`),
  fc.constant('ipn:**'),
  fc.tuple(allocator, u32).map(([a, n]) => `ipn:${a}.${n}`),
  fc.tuple(label, domain, path).map(([l, d, p]) => `dtn://${join(l, d)}${p}`),
  fc.tuple(label, domain).map(([l, d]) => `dtn://${join(l, d)}/**`),
  fc.tuple(labelPart, domain).map(([p, d]) => `dtn://${join(`${p}*`, d)}/**`),
  fc.constant('dtn:**'),
  fc.tuple(label, domain).map(([l, d]) => `dtn://${join(l, d)}`),
);

const eidText = fc.oneof(
  fc.tuple(u32, fc.oneof(u32, fc.constant('18446744073709551615'))).map(([n, s]) => `ipn:${n}.${s}`),
  fc.tuple(allocator, u32, fc.oneof(u32, fc.nat())).map(([a, n, s]) => `ipn:${a}.${n}.${s}`),
  fc.tuple(fc.tuple(labelPart, labelPart).map(([a, b]) => a + b).filter((l) => l !== ''), domain, fc.oneof(fc.constantFrom('', '/'), path)).map(
    ([l, d, demux]) => `dtn://${join(l, d)}${demux}`,
  ),
);

const valid = <T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }, text: string): T => {
  if (!result.ok) throw new Error(`generator made an invalid value ${text}: ${result.error.message}`);
  return result.value;
};

export const anyPattern: fc.Arbitrary<EidPattern> = patternText.map((t) => valid(parsePattern(t), t));
export const anyEid: fc.Arbitrary<Eid> = eidText.map((t) => valid(parseEid(t), t));

/** Concrete EIDs as text, as a gateway gets them: any letter may be upper case. */
export const anyEidText: fc.Arbitrary<string> = fc
  .tuple(eidText, fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }))
  .map(([text, upper]) => [...text].map((ch, i) => (upper[i % 64] ? ch.toUpperCase() : ch)).join(''));

/** EidPatterns as they come off the wire, valid or not (a dtn name that is none, no scheme at all). */
const wirePattern = fc.oneof(
  fc.record({ ipn: fc.record({ allocator_id: fc.nat(5), node_id: fc.oneof(fc.nat(5), fc.constant(0xffffffff)), is_wildcard: fc.boolean() }) }),
  fc.record({ dtn: fc.record({ authority_string: fc.constantFrom('rover.example.org', '*.example.org', '*', 'a..b', ''), is_wildcard: fc.boolean() }) }),
  fc.constant({}),
);

/**
 * Any PeerMessage a peer may send, well-formed or not, numbered or not (small numbers, so that
 * repeats happen). `ads` feed the AD fields: put the peer's own AD among them, and names that are
 * not DNS names, so that Hellos and AD_PATHs are both accepted and refused.
 */
export const anyPeerMessage = (ads: readonly string[]): fc.Arbitrary<PeerMessage> =>
  fc
    .record(
      {
        sequence_number: fc.oneof(fc.constant('0'), fc.bigInt({ min: 1n, max: 20n }).map(String)),
        payload: fc.oneof(
          fc.record({ hello: fc.record({ local_ad_id: fc.constantFrom(...ads), hold_time_seconds: fc.oneof(fc.constant(0), fc.nat(200)) }) }),
          fc.record({ challenge: fc.record({ nonce: fc.uint8Array({ maxLength: 40 }) }) }),
          fc.record({ response: fc.record({ signature: fc.uint8Array({ maxLength: 70 }) }) }),
          fc.record({ keep_alive: fc.constant({}) }),
          fc.record({ notification: fc.record({ level: fc.constantFrom('INFO', 'WARNING', 'ERROR'), code: fc.nat(40), message: fc.string({ maxLength: 20 }) }) }),
          fc.record({
            update: fc.record({
              announcements: fc.array(fc.record({ patterns: fc.array(wirePattern, { maxLength: 3 }), ad_path: fc.array(fc.constantFrom(...ads), { maxLength: 3 }), metric: fc.nat(10) }), { maxLength: 3 }),
              withdrawals: fc.array(fc.record({ patterns: fc.array(wirePattern, { maxLength: 3 }) }), { maxLength: 2 }),
            }),
          }),
        ),
      },
      { requiredKeys: ['sequence_number', 'payload'] },
    )
    .map(({ sequence_number, payload }) => ({ sequence_number, ...payload }) as PeerMessage);
