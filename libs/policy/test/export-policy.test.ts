import { Schema } from 'effect';
import { describe, expect, it } from 'vitest';
import { compilePolicy, exportRoute, PolicyFile, type ExportPolicy } from '#libs/policy';
import { LocRib, type RibAdvertisement } from '#libs/rib';
import { advertised, ribRoute, updateEvent } from '../../rib/test/routes.ts';

const US = 'b.example.org';
const compile = (file: unknown): ExportPolicy => {
  const { policy, problems } = compilePolicy(Schema.decodeUnknownSync(PolicyFile)(file), 'policy.yaml: policy');
  expect(problems).toEqual([]);
  return policy.export;
};
const learned = (from: string, over: Partial<RibAdvertisement> = {}): RibAdvertisement => {
  const { pattern: _, ...a } = ribRoute(from, 'ipn:100.*', over);
  return a;
};
const OPEN = compile({});

describe('export policy (§5.3, §4.3, §6.4, §6.7)', () => {
  it('prepends our AD, keeps metric, windows and transitive attributes, and puts no gateway of ours unless one is configured', () => {
    const route = learned('a.example.org', { adPath: ['a.example.org', 'x.example.org'], metric: 42, gatewayEid: 'dtn://gw.a.example.org/', validFrom: 1_000, validUntil: 2_000, bandwidthBps: '9', transitive: [{ typeId: 99, value: 'AQI=' }] });
    expect(exportRoute(OPEN, US, 'c.example.org', 'ipn:100.*', route)).toEqual({
      export: true,
      rules: [],
      attributes: { adPath: [US, 'a.example.org', 'x.example.org'], metric: 42, gatewayEid: undefined, validFrom: 1_000, validUntil: 2_000, bandwidthBps: '9', maxBundleSize: undefined, transitive: [{ typeId: 99, value: 'AQI=' }] },
    });
    const ours = compile({ export: { gateway_eid: 'ipn:200.1' } });
    expect(exportRoute(ours, US, 'c.example.org', 'ipn:100.*', route)).toMatchObject({ attributes: { gatewayEid: 'ipn:200.1' } });
  });

  it('judges has_window by the route\'s own window, not by the interval of the timeline it is sent for', () => {
    const permanentOnly = compile({ export: { chains: [{ peers: ['c.example.org'], rules: [{ name: 'no-contacts', match: { has_window: true }, then: 'reject', reason: 'c takes permanent routes only' }] }] } });
    // A pass of another route over [10 s, 20 s): the unscheduled route goes out for what is before and after it.
    const rib = new LocRib(US);
    rib.apply(updateEvent(1, 'a.example.org', [], [advertised('a.example.org', 'ipn:100.*', { adPath: ['a.example.org', 'x.example.org'] })]));
    const changes = rib.apply(updateEvent(2, 'd.example.org', [], [advertised('d.example.org', 'ipn:100.*', { validFrom: 10_000, validUntil: 20_000 })]));
    expect(rib.timeline('ipn:100.*').map((i) => i.route.neighbor)).toEqual(['a.example.org', 'd.example.org', 'a.example.org']);
    const sent = changes.filter((c) => c.best).map((c) => [c.best!.neighbor, c.best!.validUntil, exportRoute(permanentOnly, US, 'c.example.org', 'ipn:100.*', c.best!).export]);
    expect(sent).toEqual([['a.example.org', 10_000, true], ['d.example.org', 20_000, false], ['a.example.org', undefined, true]]);
  });

  it('never sends a route back to the AD it came from, nor to an AD on its AD_PATH', () => {
    const route = learned('a.example.org', { adPath: ['a.example.org', 'c.example.org'] });
    expect(exportRoute(OPEN, US, 'a.example.org', 'ipn:100.*', route)).toEqual({ export: false, rule: 'from-peer', reason: 'learned from a.example.org: never sent back to the AD it came from' });
    expect(exportRoute(OPEN, US, 'c.example.org', 'ipn:100.*', route)).toMatchObject({ export: false, rule: 'ad-path' });
    expect(exportRoute(OPEN, US, 'd.example.org', 'ipn:100.*', route)).toMatchObject({ export: true });
  });

  it('passes over, with rule no-wire-form, a route whose pattern §7.6 cannot carry (docs/spec-notes.md §7.6)', () => {
    const local = { ...learned(US, { adPath: [] }), neighbor: `${US} local` };
    for (const pattern of ['ipn:100.1.5', 'ipn:100.1.[0-63]', 'ipn:100.[1-9].*', 'dtn://rover.example.org/svc']) {
      expect(exportRoute(OPEN, US, 'a.example.org', pattern, local)).toMatchObject({ export: false, rule: 'no-wire-form', reason: expect.stringContaining('no wire form') });
    }
    expect(exportRoute(OPEN, US, 'a.example.org', 'ipn:100.1.*', local)).toMatchObject({ export: true });
  });

  it('sends a locally originated route with our AD alone on its AD_PATH', () => {
    const local = { ...learned(US, { adPath: [], gatewayEid: 'ipn:0.7' }), neighbor: `${US} contacts` };
    expect(exportRoute(OPEN, US, 'a.example.org', 'ipn:0.7', local)).toMatchObject({ export: true, attributes: { adPath: [US], gatewayEid: undefined } });
  });

  it('runs the chains that name the peer: reject with a reason, keep or set the gateway, and the default last', () => {
    const policy = compile({
      pattern_sets: { science: ['ipn:100.*'] },
      export: {
        default: 'reject',
        gateway_eid: 'dtn://gw.b.example.org/',
        chains: [
          {
            peers: ['c.example.org'],
            rules: [
              { name: 'no-x', match: { ad_path_contains: 'x.example.org' }, then: 'reject', reason: 'x is not for c' },
              { name: 'direct', match: { origin_ad: ['a.example.org'] }, keep_gateway: true, then: 'accept' },
              { name: 'science', match: { patterns_in: 'science' }, set: { gateway_eid: 'ipn:200.9' }, then: 'accept' },
            ],
          },
        ],
      },
    });
    expect(exportRoute(policy, US, 'c.example.org', 'ipn:100.*', learned('a.example.org', { adPath: ['a.example.org', 'x.example.org'] }))).toEqual({ export: false, rule: 'no-x', reason: 'x is not for c' });
    expect(exportRoute(policy, US, 'c.example.org', 'ipn:100.*', learned('a.example.org'))).toMatchObject({ export: true, rules: ['direct'], attributes: { gatewayEid: 'dtn://a.example.org/' } });
    expect(exportRoute(policy, US, 'c.example.org', 'ipn:100.*', learned('e.example.org'))).toMatchObject({ export: true, rules: ['science'], attributes: { gatewayEid: 'ipn:200.9' } });
    expect(exportRoute(policy, US, 'c.example.org', 'ipn:300.*', learned('e.example.org'))).toEqual({ export: false, rule: 'default', reason: 'no rule accepted it, and the export default is reject' });
    // Another peer: no chain names it, so the default decides.
    expect(exportRoute(policy, US, 'd.example.org', 'ipn:100.*', learned('a.example.org'))).toMatchObject({ export: false, rule: 'default' });
  });

  it('names the export field at fault, and refuses keep_gateway on import', () => {
    const file = Schema.decodeUnknownSync(PolicyFile)({
      import: { chains: [{ peers: ['*'], rules: [{ name: 'k', keep_gateway: true }] }] },
      export: { gateway_eid: 'nowhere', chains: [{ peers: ['*'], rules: [{ name: 'both', keep_gateway: true, set: { gateway_eid: 'ipn:1.1' } }] }] },
    });
    expect(compilePolicy(file, 'p').problems).toEqual([
      'p.export.gateway_eid: "nowhere" is no EID; write ipn:N.S, ipn:A.N.S or dtn://name/',
      'p.import.chains[0].rules[0].keep_gateway: keep_gateway is for export rules (a route we send keeps its own gateway); remove it here',
      'p.export.chains[0].rules[0]: keep_gateway and set.gateway_eid say two things; keep one',
    ]);
  });
});
