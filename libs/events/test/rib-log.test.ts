import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { decodeLocRibChanges, decodeRibInput, encodeLocRibChanges, encodeRibInput } from '#libs/events';
import { LocRib, type RibEvent } from '#libs/rib';
import { advertised, updateEvent } from '../../rib/test/routes.ts';

describe('RIB log forms', () => {
  it('reads back every RIB input event as written, absent attributes absent again', () => {
    const events: RibEvent[] = [
      { type: 'neighbor-up', seq: 1, neighbor: 'a.org s', peerAd: 'a.org', staleUntil: 5_000, session: 's1', since: 900 },
      { type: 'neighbor-up', seq: 1, neighbor: 'a.org s', peerAd: 'a.org', staleUntil: undefined },
      { ...updateEvent(2, 'a.org s', [], [advertised('a.org s', 'ipn:2.*.*')]), session: 's1' },
      updateEvent(2, 'a.org s', [{ pattern: 'ipn:9.*.*', validFrom: 5_000 }], [advertised('a.org s', ['ipn:1.*.*', 'dtn://rover.example.org/**'], { gatewayEid: 'dtn://gw/', validFrom: 1_000, validUntil: 2_000, bandwidthBps: '18446744073709551615', maxBundleSize: 7, transitive: [{ typeId: 42, value: 'AQI=' }] })]),
      { type: 'neighbor-down', seq: 3, neighbor: 'a.org s', staleUntil: undefined },
      { type: 'neighbor-down', seq: 3, neighbor: 'a.org s', staleUntil: 7_000, session: 's1' },
      { type: 'clock', seq: 4, now: 1_000 },
    ];
    for (const event of events) expect(decodeRibInput(encodeRibInput(event), event.seq)).toEqual(Result.succeed(event));
  });

  it('reads back the Loc-RIB changes a RIB emits', () => {
    const rib = new LocRib('us.example.org');
    const changes = [updateEvent(1, 'a.org', [], [advertised('a.org', 'ipn:1.*.*', { metric: 4 })]), updateEvent(2, 'b.org', [], [advertised('b.org', 'ipn:1.*.*', { adPath: [] })])].flatMap((e) => rib.apply(e));
    expect(changes).toHaveLength(2);
    expect(Result.getOrThrow(decodeLocRibChanges(encodeLocRibChanges(changes.slice(0, 1))))).toEqual(changes.slice(0, 1));
    expect(Result.getOrThrow(decodeLocRibChanges(encodeLocRibChanges(changes.slice(1))))).toEqual(changes.slice(1));
  });

  it.each([
    ['another version', '{"v":2,"type":"clock","now":1}', '"v": 1'],
    ['a pattern list that is not one', '{"v":1,"type":"update","neighbor":"a","peerAd":"a","withdrawn":[{"patterns":"ipn:1.*.*"}],"accepted":[],"rejected":[]}', '["withdrawn"][0]["patterns"]'],
    ['a metric that is no integer', '{"v":1,"type":"update","neighbor":"a","peerAd":"a","withdrawn":[],"accepted":[{"patterns":[],"adPath":[],"metric":1.5,"transitive":[]}],"rejected":[]}', '["metric"]'],
  ])('refuses an input event with %s, saying where', (_, json, where) => {
    const decoded = decodeRibInput(json, 1);
    expect(Result.isFailure(decoded) && decoded.failure).toContain(where);
  });

  it('writes each advertisement of a message once and the changes as columns (v3), and reads its changes back sharing one object', () => {
    const rib = new LocRib('us.example.org');
    const changes = rib.apply(updateEvent(1, 'a.org', [], [advertised('a.org', ['ipn:1.*.*', 'ipn:2.*.*', 'ipn:3.*.*'], { metric: 4 })]));
    const text = encodeLocRibChanges(changes);
    expect(JSON.parse(text)).toEqual({
      v: 3,
      causeSeq: 1,
      at: 0,
      advertisements: [expect.objectContaining({ neighbor: 'a.org', metric: 4 })],
      patterns: ['ipn:1.*.*', 'ipn:2.*.*', 'ipn:3.*.*'],
      best: [0, 0, 0],
      previous: [null, null, null],
    });
    const decoded = Result.getOrThrow(decodeLocRibChanges(text));
    expect(decoded).toEqual(changes);
    expect(new Set(decoded.map((c) => c.best)).size).toBe(1);
    // Replaced in the same message: the old winner and the new one each once.
    const replaced = rib.apply(updateEvent(2, 'b.org', [], [advertised('b.org', ['ipn:1.*.*', 'ipn:2.*.*'], { adPath: [] })]));
    expect(JSON.parse(encodeLocRibChanges(replaced)).advertisements).toHaveLength(2);
    expect(Result.getOrThrow(decodeLocRibChanges(encodeLocRibChanges(replaced)))).toEqual(replaced);
  });

  it('reads v1 change messages, each advertisement written in its change', () => {
    const v1 = '{"v":1,"causeSeq":3,"at":5,"changes":[{"pattern":"ipn:1.*.*","best":{"neighbor":"a","peerAd":"a","receivedSeq":3,"index":0,"adPath":["a"],"metric":0,"transitive":[]},"previous":null}]}';
    expect(Result.getOrThrow(decodeLocRibChanges(v1))).toEqual([
      { pattern: 'ipn:1.*.*', best: { neighbor: 'a', peerAd: 'a', receivedSeq: 3, index: 0, adPath: ['a'], metric: 0, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] }, previous: undefined, causeSeq: 3, at: 5 },
    ]);
  });

  it('reads v2 change messages, each change an object naming its advertisements by place', () => {
    const a = '{"neighbor":"a","peerAd":"a","receivedSeq":3,"index":0,"adPath":["a"],"metric":0,"transitive":[]}';
    const b = '{"neighbor":"b","peerAd":"b","receivedSeq":2,"index":0,"adPath":["b"],"metric":0,"transitive":[]}';
    const decoded = Result.getOrThrow(decodeLocRibChanges(`{"v":2,"causeSeq":3,"at":5,"advertisements":[${a},${b}],"changes":[{"pattern":"ipn:1.*.*","best":0,"previous":1},{"pattern":"ipn:2.*.*","best":null,"previous":1}]}`));
    expect(decoded.map((c) => [c.pattern, c.best?.neighbor, c.previous?.neighbor, c.causeSeq, c.at])).toEqual([
      ['ipn:1.*.*', 'a', 'b', 3, 5],
      ['ipn:2.*.*', undefined, 'b', 3, 5],
    ]);
    expect(decoded[0]!.previous).toBe(decoded[1]!.previous);
  });

  it.each([
    ['a v2 change naming an advertisement the message does not have', '{"v":2,"causeSeq":1,"at":0,"advertisements":[],"changes":[{"pattern":"ipn:1.*.*","best":0,"previous":null}]}', '["changes"][0]'],
    ['a v3 change naming an advertisement the message does not have', '{"v":3,"causeSeq":1,"at":0,"advertisements":[],"patterns":["ipn:1.*.*"],"best":[null],"previous":[0]}', 'change 0: names advertisement 0'],
    ['v3 columns of different lengths', '{"v":3,"causeSeq":1,"at":0,"advertisements":[],"patterns":["ipn:1.*.*","ipn:2.*.*"],"best":[null],"previous":[null,null]}', 'columns of 2 patterns, 1 best and 2 previous'],
    ['a v3 place that is no integer', '{"v":3,"causeSeq":1,"at":0,"advertisements":[],"patterns":["ipn:1.*.*"],"best":[0.5],"previous":[null]}', '["best"][0]'],
  ])('refuses %s, saying where', (_, json, where) => {
    const decoded = decodeLocRibChanges(json);
    expect(Result.isFailure(decoded) && decoded.failure).toContain(where);
  });

  it('refuses a change that is not one', () => {
    const decoded = decodeLocRibChanges('{"v":1,"causeSeq":1,"at":0,"changes":[{"pattern":"ipn:1.*.*","best":{"neighbor":"a"},"previous":null}]}');
    expect(Result.isFailure(decoded) && decoded.failure).toContain('["best"]');
  });

  it('reads patterns logged before draft -01 as the -01 texts dpp writes now (the log itself unchanged)', () => {
    const input = '{"v":1,"type":"update","neighbor":"a","peerAd":"a","withdrawn":[{"patterns":["ipn:1.*","dtn://*"]}],"accepted":[{"patterns":["ipn:100.1","dtn://rover.example.org","ipn:*"],"adPath":[],"metric":0,"transitive":[]}],"rejected":[]}';
    const event = Result.getOrThrow(decodeRibInput(input, 7));
    expect(event.type === 'update' && [event.withdrawn[0]!.patterns, event.accepted[0]!.patterns]).toEqual([
      ['ipn:1.*.*', 'dtn:**'],
      ['ipn:100.1.*', 'dtn://rover.example.org/**', 'ipn:**'],
    ]);
    const changes = Result.getOrThrow(decodeLocRibChanges('{"v":1,"causeSeq":1,"at":0,"changes":[{"pattern":"ipn:1.2","best":null,"previous":null}]}'));
    expect(changes.map((c) => c.pattern)).toEqual(['ipn:1.2.*']);
  });
});
