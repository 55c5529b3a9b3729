import { describe, expect, it } from 'vitest';
import { peerMessageCodec, routesFromWire, type RouteUpdate } from '#libs/wire';

const codec = peerMessageCodec();
/** An update as a peer's bytes decode: through the real codec. */
const received = (update: RouteUpdate) => codec.decode(codec.encode({ sequence_number: '1', update })).update!;

describe('routesFromWire (§6.1–§6.4)', () => {
  it('gives each pattern in canonical text once, and each pattern that is none with its place and why', () => {
    const routes = routesFromWire(
      received({
        withdrawals: [{ patterns: [{ ipn: { allocator_id: 2, node_id: 7 } }, {}], valid_from: { seconds: '1700000000', nanos: 5e8 } }],
        announcements: [{ patterns: [{ dtn: { authority_string: 'bad name' } }, { ipn: { allocator_id: 1, node_id: 3 } }, { dtn: { authority_string: 'Rover*.Example.org', is_wildcard: true } }], ad_path: ['a.org'], metric: 4 }],
      }),
    );
    expect(routes.withdrawals).toEqual([{ patterns: ['ipn:2.7.*'], invalid: [{ pattern: {}, at: 1, why: expect.stringMatching(/neither an ipn nor a dtn/) }], validFrom: 1_700_000_000_500 }]);
    const [announcement] = routes.announcements;
    expect(announcement!.patterns).toEqual(['ipn:1.3.*', 'dtn://rover*.example.org/**']);
    expect(announcement!.invalid).toEqual([{ pattern: expect.objectContaining({ dtn: expect.objectContaining({ authority_string: 'bad name' }) }), at: 0, why: expect.stringMatching(/" " is not allowed/) }]);
  });

  it('reads attributes once: a repeated one counts with its last value, unknown ones only when transitive, the AD_PATH as it came', () => {
    const [announcement] = routesFromWire(
      received({
        announcements: [
          {
            patterns: [{ ipn: { allocator_id: 1, node_id: 3 } }],
            ad_path: ['A.Org.'],
            metric: 2,
            attributes: [{ valid_from: { seconds: '1', nanos: 0 } }, { valid_from: { seconds: '2', nanos: 0 } }, { unknown: { type_id: 9, transitive: true, value: Buffer.from('hi') } }, { unknown: { type_id: 8, transitive: false, value: Buffer.from('x') } }],
          },
        ],
      }),
    ).announcements;
    expect(announcement).toEqual({ patterns: ['ipn:1.3.*'], invalid: [], adPath: ['A.Org.'], metric: 2, gatewayEid: undefined, validFrom: 2_000, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [{ typeId: 9, value: Buffer.from('hi').toString('base64') }] });
  });
});
