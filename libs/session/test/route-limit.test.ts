import { describe, expect, it } from 'vitest';
import { RouteCount } from '#libs/session';
import { peerMessageCodec, routesFromWire, type RouteUpdate, type UpdateRoutes } from '#libs/wire';

/** An update's routes as the session's check makes them: through the real codec. */
const received = (update: RouteUpdate): UpdateRoutes => routesFromWire(peerMessageCodec().decode(peerMessageCodec().encode({ sequence_number: '1', update })).update!);
const ipn = (node: number) => ({ ipn: { allocator_id: 1, node_id: node } });
const announce = (...nodes: number[]) => received({ announcements: [{ patterns: nodes.map(ipn), ad_path: ['a.org'] }] });
const withdraw = (...nodes: number[]) => received({ withdrawals: [{ patterns: nodes.map(ipn) }] });

describe('route limit (§9.4)', () => {
  it('drop: takes routes up to the limit, drops those above, and takes more once some are withdrawn', () => {
    const count = new RouteCount({ max: 3, action: 'drop' });
    expect(count.admit(announce(1, 2))).toEqual({ dropped: [], crossed: undefined });
    expect(count.admit(announce(2, 3, 4, 5))).toEqual({ dropped: [{ pattern: 'ipn:1.4.*', validFrom: undefined }, { pattern: 'ipn:1.5.*', validFrom: undefined }], crossed: undefined });
    expect(count.size).toBe(3);
    expect(count.admit(received({ withdrawals: [{ patterns: [ipn(1)] }], announcements: [{ patterns: [ipn(4)], ad_path: ['a.org'] }] }))).toEqual({ dropped: [], crossed: undefined });
    expect(count.size).toBe(3);
  });

  it('warn: keeps every route and says so once, until the peer is back under the limit', () => {
    const count = new RouteCount({ max: 2, action: 'warn' });
    expect(count.admit(announce(1, 2, 3)).crossed).toBe('warn');
    expect(count.admit(announce(4)).crossed).toBeUndefined();
    expect(count.size).toBe(4);
    count.admit(withdraw(1, 2, 3));
    expect(count.admit(announce(5, 6)).crossed).toBe('warn');
  });

  it('teardown: answers teardown on the update that goes over, with the routes above dropped', () => {
    const count = new RouteCount({ max: 2, action: 'teardown' });
    expect(count.admit(announce(1)).crossed).toBeUndefined();
    expect(count.admit(announce(1, 2, 3))).toEqual({ dropped: [{ pattern: 'ipn:1.3.*', validFrom: undefined }], crossed: 'teardown' });
  });
});
