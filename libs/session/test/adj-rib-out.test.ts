import { describe, expect, it } from 'vitest';
import { attributesOf, type RouteAttributes } from '#libs/rib';
import { AdjRibOut } from '#libs/session';
import { peerMessageCodec, type RouteUpdate } from '#libs/wire';
import type { ExportedRoute } from '#libs/rib';

const route = (pattern: string, over: Partial<RouteAttributes> = {}): ExportedRoute => ({ pattern, attributes: attributesOf({ adPath: ['b.org', 'a.org'], metric: 5, transitive: [], ...over }) });
const MB = 1024 * 1024;
const LIMITS = { maxPatterns: 100, maxBytes: MB };
const changes = (...entries: [string, ExportedRoute | undefined][]) => new Map(entries);
/** What a peer reads: each update through the real codec, as pattern lists. */
const read = (updates: RouteUpdate[]) =>
  updates.map((u) => {
    const decoded = peerMessageCodec().decode(peerMessageCodec().encode({ sequence_number: '1', update: u })).update!;
    return {
      withdrawn: decoded.withdrawals.map((w) => [w.patterns.length, w.valid_from?.seconds ?? null]),
      announced: decoded.announcements.map((a) => [a.patterns.length, a.ad_path.join(' '), a.metric, a.attributes.map((x) => x.attribute).join(',')]),
    };
  });

describe('AdjRibOut', () => {
  it('sends the whole table first, alike routes in one advertisement, cut to the patterns an update may hold', () => {
    const out = new AdjRibOut();
    const table = changes(['ipn:1.1', route('ipn:1.1')], ['ipn:1.2', route('ipn:1.2')], ['ipn:1.3', route('ipn:1.3')], ['ipn:2.1', route('ipn:2.1', { metric: 1, validFrom: 60_000, transitive: [{ typeId: 7, value: 'AA==' }] })]);
    expect(read(out.updatesFor(table, { maxPatterns: 2, maxBytes: MB }, 0).updates)).toEqual([
      { withdrawn: [], announced: [[2, 'b.org a.org', 5, '']] },
      { withdrawn: [], announced: [[1, 'b.org a.org', 5, ''], [1, 'b.org a.org', 1, 'valid_from,unknown']] },
    ]);
    expect(out.size).toBe(4);
  });

  it('withdraws a route gone, and one whose window start changed under its old start before announcing it again', () => {
    const out = new AdjRibOut();
    out.updatesFor(changes(['ipn:1.1', route('ipn:1.1', { validFrom: 60_000 })], ['ipn:1.2', route('ipn:1.2')]), LIMITS, 0);
    expect(read(out.updatesFor(changes(['ipn:1.1', route('ipn:1.1', { validFrom: 120_000 })], ['ipn:1.2', undefined], ['ipn:9.9', undefined]), LIMITS, 0).updates)).toEqual([
      { withdrawn: [[1, '60'], [1, null]], announced: [[1, 'b.org a.org', 5, 'valid_from']] },
    ]);
    expect(out.size).toBe(1);
    // A route replaced with the same window start is announced again, with no withdrawal (an implicit replace).
    expect(read(out.updatesFor(changes(['ipn:1.1', route('ipn:1.1', { validFrom: 120_000, metric: 9 })]), LIMITS, 0).updates)).toEqual([{ withdrawn: [], announced: [[1, 'b.org a.org', 9, 'valid_from']] }]);
    expect(out.updatesFor(new Map(), LIMITS, 0)).toEqual({ updates: [], tooLarge: [] });
  });

  it('keeps each update within max_message_bytes, and withdraws instead of sending a route too large for any', () => {
    const out = new AdjRibOut();
    const big = (n: number) => ({ typeId: 9, value: Buffer.alloc(n).toString('base64') });
    // 40 routes of 120 KB of transitive attributes each: a 4 MB peer must get them in updates of 4 MB at most.
    const table = new Map(Array.from({ length: 40 }, (_, i) => [`ipn:5.${i}`, route(`ipn:5.${i}`, { transitive: [big(120_000)], metric: i })] as const));
    const { updates } = out.updatesFor(table, { maxPatterns: 10_000, maxBytes: 4 * MB }, 0);
    const sizes = updates.map((u) => peerMessageCodec().encode({ sequence_number: '99999', update: u }).length);
    expect(updates.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4 * MB);
    expect(updates.reduce((n, u) => n + u.announcements!.length, 0)).toBe(40);
    // A route alone over the limit: the peer's old one for that pattern is withdrawn, and it is named.
    const { updates: next, tooLarge } = out.updatesFor(changes(['ipn:5.0', route('ipn:5.0', { transitive: [big(5 * MB)] })]), { maxPatterns: 10_000, maxBytes: 4 * MB }, 0);
    expect(tooLarge).toEqual(['ipn:5.0']);
    expect(read(next)).toEqual([{ withdrawn: [[1, null]], announced: [] }]);
  });

  it('holds a window per interval of a pattern, withdraws one taken away by its valid_from, and lets one that ended lapse', () => {
    const out = new AdjRibOut();
    const pass = (from: number, until: number) => route('ipn:7.*', { validFrom: from, validUntil: until });
    // Three passes of one pattern, each its own key (libs/tables keyOf): three windows at the peer.
    const passes = changes(['p.7', route('ipn:7.*')], ['p.7.60000', pass(60_000, 120_000)], ['p.7.180000', pass(180_000, 240_000)]);
    expect(read(out.updatesFor(passes, LIMITS, 0).updates)).toEqual([
      { withdrawn: [], announced: [[1, 'b.org a.org', 5, ''], [1, 'b.org a.org', 5, 'valid_from,valid_until'], [1, 'b.org a.org', 5, 'valid_from,valid_until']] },
    ]);
    expect(out.size).toBe(3);
    // At 130 s the first pass has ended: its entry leaves the table, and nothing is sent for it (§6.5: the peer drops it itself).
    expect(out.updatesFor(changes(['p.7.60000', undefined]), LIMITS, 130_000)).toEqual({ updates: [], tooLarge: [] });
    // The second is taken away before it ends: withdrawn by its valid_from (§6.6).
    expect(read(out.updatesFor(changes(['p.7.180000', undefined]), LIMITS, 130_000).updates)).toEqual([{ withdrawn: [[1, '180']], announced: [] }]);
    // A route whose window has ended by the time it would be sent is not sent.
    expect(out.updatesFor(changes(['p.7.1000', pass(1_000, 2_000)]), LIMITS, 130_000)).toEqual({ updates: [], tooLarge: [] });
    expect(out.size).toBe(1);
  });
});
