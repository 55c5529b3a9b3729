import fc from 'fast-check';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { decodeFibEntry, encodeFibEntry, fibEntryOf, gatewayTable, nextHopOf, type GatewaySpec } from '#libs/fib-export';
import { canonicalKey, deltasOf, keyOf, routeOfKey } from '#libs/tables';
import { LocRib } from '#libs/rib';
import { advertised, ribRoute, updateEvent } from '../../rib/test/routes.ts';

const ALL: GatewaySpec = { name: 'all', fromPeers: undefined, schemes: undefined };

describe('next hop (§6.7)', () => {
  it('is the gateway_eid when there is one, else the peer AD: an EID as is, a DNS name as dtn://name/', () => {
    expect(nextHopOf({ gatewayEid: 'dtn://ingress1.dsn.example.org', peerAd: 'dsn.example.org' })).toBe('dtn://ingress1.dsn.example.org');
    expect(nextHopOf({ gatewayEid: undefined, peerAd: 'dsn.example.org' })).toBe('dtn://dsn.example.org/');
    expect(nextHopOf({ gatewayEid: undefined, peerAd: 'dtn://gateway.dsn.example.org' })).toBe('dtn://gateway.dsn.example.org');
  });
});

describe('a gateway table', () => {
  it('follows the best route into and out of each gateway by its spec', () => {
    const rib = new LocRib('us.example.org');
    const onlyA: GatewaySpec = { name: 'a', fromPeers: ['a.org'], schemes: ['ipn'] };
    const changes = [
      updateEvent(1, 'a.org', [], [advertised('a.org', 'ipn:1.*', { adPath: ['a.org', 'x.org'] })]),
      updateEvent(2, 'b.org', [], [advertised('b.org', 'ipn:1.*')]),
      updateEvent(3, 'b.org', [{ pattern: 'ipn:1.*' }], []),
      updateEvent(4, 'a.org', [{ pattern: 'ipn:1.*' }], []),
    ].flatMap((e) => rib.apply(e));
    const summary = (g: GatewaySpec) => changes.map((c) => deltasOf(gatewayTable(g), c)[0]).map((d) => (d === undefined ? '-' : d.value !== undefined ? `put ${JSON.parse(d.value).nextHop}` : 'delete'));
    expect(summary(ALL)).toEqual(['put dtn://a.org/', 'put dtn://b.org/', 'put dtn://a.org/', 'delete']);
    // b.org's route is not for gateway a: when it wins, a's entry goes; when it loses, a's comes back.
    expect(summary(onlyA)).toEqual(['put dtn://a.org/', 'delete', 'put dtn://a.org/', 'delete']);
    // Whether a gateway takes a route is said without making its entry, and says the same.
    for (const g of [ALL, onlyA]) for (const c of changes) for (const a of [c.best, c.previous]) if (a) expect(gatewayTable(g).takes(c.pattern, a)).toBe(gatewayTable(g).entryOf(c.pattern, a, 0) !== undefined);
  });

  it("writes an entry's value as encodeFibEntry does, one string for every pattern of one advertisement object and cause", () => {
    const table = gatewayTable(ALL);
    fc.assert(
      fc.property(
        fc.record({ gatewayEid: fc.option(fc.constantFrom('ipn:0.5.0', 'dtn://gw/'), { nil: undefined }), validFrom: fc.option(fc.nat(), { nil: undefined }), bandwidthBps: fc.option(fc.constant('18446744073709551615'), { nil: undefined }) }),
        fc.array(fc.tuple(fc.string(), fc.nat({ max: 3 })), { minLength: 1, maxLength: 8 }),
        (attributes, uses) => {
          const a = ribRoute('a.org', 'ipn:1.*.*', attributes);
          for (const [pattern, causeSeq] of uses) expect(table.entryOf(pattern, a, causeSeq)).toBe(encodeFibEntry(fibEntryOf(pattern, a, causeSeq)));
          // The same string, not only the same text: a table message writes it once (libs/tables encodeTableLines).
          const [[first, cause]] = uses as [[string, number]];
          expect(uses.filter(([, c]) => c === cause).every(([p]) => Object.is(table.entryOf(p, a, cause), table.entryOf(first, a, cause)))).toBe(true);
        },
      ),
    );
  });

  it('keys an entry by its pattern text (and window start), and reads keys of table layout 4 as the same routes', () => {
    // Pattern text: URI characters, no space; it begins with its scheme, never with layout 4's `p.`.
    const patternText = fc.stringMatching(/^[!-~]+$/).filter((p) => !p.startsWith('p.'));
    fc.assert(
      fc.property(patternText, fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }), (pattern, validFrom) => {
        const key = keyOf(pattern, validFrom);
        if (validFrom === undefined) expect(key).toBe(pattern);
        expect(routeOfKey(key)).toEqual({ pattern, validFrom: validFrom === undefined ? undefined : Number(String(validFrom)) });
        expect(canonicalKey(key)).toBe(key);
        const legacy = `p.${Buffer.from(pattern).toString('base64url')}${validFrom === undefined ? '' : `.${String(validFrom).replace('.', '_')}`}`;
        expect(routeOfKey(legacy)).toEqual(routeOfKey(key));
        expect(canonicalKey(legacy)).toBe(key);
      }),
    );
    for (const key of ['', ' 5', 'ipn:1.*.* ', 'ipn:1.*.* x1', 'ipn:1.*.* Infinity', 'p.aXBu.', 'p.aXBu.1.2', 'p.aXBu.x1', 'p.aXBu.Infinity']) {
      expect(routeOfKey(key)).toBeUndefined();
      expect(canonicalKey(key)).toBeUndefined();
    }
    const entry = { pattern: 'ipn:1.*', nextHop: 'ipn:0.5', bandwidthBps: '1000', maxBundleSize: 7, validFrom: 1, validUntil: 2, peerAd: 'a.org', adPath: ['a.org'], causeSeq: 9 };
    expect(decodeFibEntry(encodeFibEntry(entry), 'ipn:1.*')).toEqual(Result.succeed(entry));
    // Version 2 holds no pattern: the key does.
    expect(encodeFibEntry(entry)).not.toContain('ipn:1.*');
    expect(decodeFibEntry(encodeFibEntry(entry), 'ipn:2.*')).toEqual(Result.succeed({ ...entry, pattern: 'ipn:2.*' }));
    // A table written before version 2, until it is rebuilt: its pattern is the key's.
    expect(decodeFibEntry(JSON.stringify({ v: 1, ...entry }), 'ipn:1.*')).toEqual(Result.succeed(entry));
    expect(Result.isFailure(decodeFibEntry('{"v":1,"pattern":"ipn:1.*"}', 'ipn:1.*'))).toBe(true);
    expect(Result.isFailure(decodeFibEntry('{"v":2,"nextHop":"ipn:0.5"}', 'ipn:1.*'))).toBe(true);
  });
});
