import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { decodePeerEvent, passThroughImport, type PeerEvent } from '#libs/events';
import { LocRib } from '#libs/rib';
import { NotificationCode, peerMessageCodec, type RouteUpdate } from '#libs/wire';

const codec = peerMessageCodec();
const base = { v: 1 as const, sessionId: 's1', n: 1, speakerId: 'dtn://us', peerAd: 'dsn.example.org', peerSpeakerId: 'dtn://gds', receivedAt: 1_000_000 };
const updateEvent = (update: RouteUpdate, n = 2): PeerEvent => ({
  ...base,
  n,
  kind: 'route-update',
  sequenceNumber: String(n),
  message: codec.encode({ sequence_number: String(n), update }).toString('base64'),
});
const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 + 999 });

describe('decodePeerEvent', () => {
  it('reads what the session service writes', () => {
    const event = updateEvent({ announcements: [] });
    expect(decodePeerEvent(JSON.stringify(event))).toEqual(Result.succeed(event));
  });

  it.each([
    ['another version', JSON.stringify({ ...base, v: 2, kind: 'session-up' }), '["v"]'],
    ['a missing field', JSON.stringify({ ...base, kind: 'session-up', peerAd: undefined }), '["peerAd"]'],
    ['an unknown kind', JSON.stringify({ ...base, kind: 'party' }), '["kind"]'],
    ['text that is not JSON', '{"v":1,', 'not JSON'],
  ])('refuses %s, naming what is wrong', (_, json, phrase) => {
    const decoded = decodePeerEvent(json);
    expect(Result.isFailure(decoded) && decoded.failure).toContain(phrase);
  });
});

describe('passThroughImport', () => {
  it('turns session up and down into neighbor events, with the restart time from the event\'s own clock', () => {
    expect(passThroughImport({ ...base, kind: 'session-up', holdTime: 90 }, 10, 60_000)).toEqual({ type: 'neighbor-up', seq: 10, neighbor: 'dsn.example.org dtn://gds', peerAd: 'dsn.example.org', staleUntil: 1_060_000, session: 's1', since: 1_000_000 });
    expect(passThroughImport({ ...base, kind: 'session-up', holdTime: 90 }, 10, 0)).toMatchObject({ type: 'neighbor-up', staleUntil: undefined });
    expect(passThroughImport({ ...base, kind: 'session-down', code: 1 }, 11, 60_000)).toMatchObject({ type: 'neighbor-down', staleUntil: 1_060_000, session: 's1' });
    expect(passThroughImport({ ...base, kind: 'session-down', code: 1 }, 11, 0)).toMatchObject({ type: 'neighbor-down', staleUntil: undefined });
    // A session torn down over its route limit (or for any fault of the peer's) keeps nothing, whatever restart_time_ms says.
    expect(passThroughImport({ ...base, kind: 'session-down', code: NotificationCode.LIMIT_ROUTES }, 11, 60_000)).toMatchObject({ type: 'neighbor-down', staleUntil: undefined });
    expect(passThroughImport({ ...base, kind: 'session-down', code: NotificationCode.MALFORMED_ROUTE }, 11, 60_000)).toMatchObject({ staleUntil: undefined });
    expect(passThroughImport({ ...base, kind: 'session-down', code: NotificationCode.ADMINISTRATIVE_SHUTDOWN }, 11, 60_000)).toMatchObject({ staleUntil: 1_060_000 });
  });

  it('accepts every pattern of every announcement with its attributes, and lists the withdrawals', () => {
    const event = updateEvent({
      announcements: [
        {
          patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }, { dtn: { authority_string: 'Rover*.Example.org', is_wildcard: true } }],
          ad_path: ['dsn.example.org', 'relay.example.net'],
          metric: 7,
          attributes: [
            { gateway_eid: 'dtn://old' },
            { gateway_eid: 'dtn://ingress1.dsn.example.org' },
            { valid_from: ts(2_000_500) },
            { valid_until: ts(3_000_000) },
            { bandwidth_bps: '9007199254740993' },
            { max_bundle_size: 1_000_000 },
            { unknown: { type_id: 42, value: Buffer.from([1, 2]), transitive: true } },
            { unknown: { type_id: 43, value: Buffer.from([3]), transitive: false } },
          ],
        },
      ],
      withdrawals: [{ patterns: [{ ipn: { allocator_id: 5, node_id: 6 } }] }, { patterns: [{ ipn: { allocator_id: 7, is_wildcard: true } }], valid_from: ts(5_000) }],
    });
    const imported = passThroughImport(event, 20, 0);
    const advertisement = {
      patterns: ['ipn:100.*.*', 'dtn://rover*.example.org/**'],
      adPath: ['dsn.example.org', 'relay.example.net'],
      metric: 7,
      gatewayEid: 'dtn://ingress1.dsn.example.org',
      validFrom: 2_000_500,
      validUntil: 3_000_000,
      bandwidthBps: '9007199254740993',
      maxBundleSize: 1_000_000,
      transitive: [{ typeId: 42, value: Buffer.from([1, 2]).toString('base64') }],
    };
    expect(imported).toEqual({
      type: 'update',
      seq: 20,
      neighbor: 'dsn.example.org dtn://gds',
      peerAd: 'dsn.example.org',
      session: 's1',
      withdrawn: [{ patterns: ['ipn:5.6.*'], validFrom: undefined }, { patterns: ['ipn:7.*.*'], validFrom: 5_000 }],
      accepted: [advertisement],
      rejected: [],
    });
  });

  it('holds AD_PATH entries as dpp holds AD names (§5.3 compares identities), and rejects routes the session marked over its limit', () => {
    const update = updateEvent({ announcements: [{ patterns: [{ ipn: { allocator_id: 5, node_id: 1 } }, { ipn: { allocator_id: 5, node_id: 2 } }], ad_path: ['DSN.Example.org.', 'Mars.Example.ORG'] }] });
    const verdict = passThroughImport({ ...update, overLimit: { limit: 1, routes: [{ pattern: 'ipn:5.2.*' }] } }, 3, 0);
    expect(verdict).toMatchObject({ accepted: [{ patterns: ['ipn:5.1.*'], adPath: ['dsn.example.org', 'mars.example.org'] }], rejected: [{ pattern: 'ipn:5.2.*', rule: 'route-limit' }] });
    // A session of before draft -01 logged the route it dropped in -00 text.
    expect(passThroughImport({ ...update, overLimit: { limit: 1, routes: [{ pattern: 'ipn:5.2' }] } }, 3, 0)).toEqual(verdict);
  });

  it('rejects a pattern that does not decode instead of throwing', () => {
    const event = updateEvent({ announcements: [{ patterns: [{ dtn: { authority_string: 'a*b*c', is_wildcard: true } }], ad_path: ['dsn.example.org'] }] });
    const imported = passThroughImport(event, 3, 0);
    expect(imported).toMatchObject({ type: 'update', accepted: [], rejected: [{ rule: 'invalid-pattern' }] });
  });

  it('feeds the Loc-RIB: peer events in, best-route changes out', () => {
    const rib = new LocRib('us.example.org');
    const events: PeerEvent[] = [
      { ...base, kind: 'session-up', n: 1 },
      updateEvent({ announcements: [{ patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }], ad_path: ['dsn.example.org'] }] }, 2),
      updateEvent({ withdrawals: [{ patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }] }] }, 3),
    ];
    const changes = events.flatMap((e, i) => rib.apply(passThroughImport(e, i + 1, 0)));
    expect(changes.map((c) => [c.pattern, c.best?.peerAd, c.causeSeq])).toEqual([['ipn:100.*.*', 'dsn.example.org', 2], ['ipn:100.*.*', undefined, 3]]);
  });
});
