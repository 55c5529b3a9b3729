import { Schema } from 'effect';
import { describe, expect, it } from 'vitest';
import { applyImportPolicy, compilePolicy, PolicyFile, type ImportPolicy } from '#libs/policy';
import { LocRib, type AcceptedAdvertisement } from '#libs/rib';
import { advertised, updateEvent } from '../../rib/test/routes.ts';

const compile = (file: unknown): ImportPolicy => {
  const { policy, problems } = compilePolicy(Schema.decodeUnknownSync(PolicyFile)(file), 'rib.yaml: policy');
  expect(problems).toEqual([]);
  return policy.import;
};
const PEER = 'dsn.example.org';
/** The routes of one update from PEER under a policy: accepted pattern → its attributes, and the rejections. */
const run = (policy: ImportPolicy, accepted: AcceptedAdvertisement[]) => {
  const verdict = applyImportPolicy(policy, updateEvent(1, PEER, [], accepted));
  if (verdict.type !== 'update') throw new Error('not an update');
  return {
    accepted: Object.fromEntries(verdict.accepted.flatMap((a) => a.patterns.map((p) => [p, { metric: a.metric, gatewayEid: a.gatewayEid, maxBundleSize: a.maxBundleSize }]))),
    advertisements: verdict.accepted.length,
    rejected: verdict.rejected.map((r) => [r.pattern, r.rule, r.reason]),
  };
};

describe('import policy: compiling', () => {
  it('names the field and the fix for every problem', () => {
    const file = Schema.decodeUnknownSync(PolicyFile)({
      pattern_sets: { dsn: ['ipn:100.*', 'ipn:*.1'] },
      import: { chains: [{ peers: ['*'], rules: [{ name: 'a', match: { patterns_in: 'nope' } }, { name: 'a', then: 'accept', reason: 'why' }] }] },
    });
    expect(compilePolicy(file, 'rib.yaml: policy').problems).toEqual([
      'rib.yaml: policy.pattern_sets.dsn[1]: "ipn:*.1": column 7: a specific node or service cannot sit under a wildcard allocator (§4.1.1); name the allocator, or use ipn:**',
      'rib.yaml: policy.import.chains[0].rules[0].match.patterns_in: no pattern set "nope"; define it under pattern_sets',
      'rib.yaml: policy.import.chains[0].rules[1].reason: a reason is for rules that reject; add then: reject, or remove it',
      'rib.yaml: policy.import: rule name "a" is used twice; each rule needs its own name (verdicts name it)',
    ]);
  });
});

describe('import policy: evaluation', () => {
  it('takes the first rule that decides, after the changes of those before it, and the default last', () => {
    const policy = compile({
      pattern_sets: { dsn: ['ipn:100.*'] },
      import: {
        default: 'reject',
        chains: [
          {
            peers: [PEER],
            rules: [
              { name: 'cap-bundles', set: { max_bundle_size: 1000 }, strip: ['gateway_eid'] },
              { name: 'long-paths', match: { ad_path_length: { min: 3 } }, then: 'reject', reason: 'too far' },
              { name: 'dsn-space', match: { patterns_in: 'dsn' }, set: { metric: 7 }, then: 'accept' },
            ],
          },
          { peers: ['other.example.org'], rules: [{ name: 'never', then: 'reject' }] },
        ],
      },
    });
    expect(run(policy, [advertised(PEER, ['ipn:100.1', 'ipn:100.*', 'ipn:200.1'], { gatewayEid: 'dtn://gw/', maxBundleSize: 5 })])).toEqual({
      accepted: { 'ipn:100.1': { metric: 7, gatewayEid: undefined, maxBundleSize: 1000 }, 'ipn:100.*': { metric: 7, gatewayEid: undefined, maxBundleSize: 1000 } },
      advertisements: 1,
      rejected: [['ipn:200.1', 'default', 'no rule accepted it, and the import default is reject']],
    });
    expect(run(policy, [advertised(PEER, 'ipn:100.1', { adPath: [PEER, 'x.org', 'y.org'] })]).rejected).toEqual([['ipn:100.1', 'long-paths', 'too far']]);
    // The log says which rules made an accepted route what it is.
    const verdict = applyImportPolicy(policy, updateEvent(1, PEER, [], [advertised(PEER, 'ipn:100.1')]));
    expect(verdict.type === 'update' && verdict.accepted[0]!.rules).toEqual(['cap-bundles', 'dsn-space']);
  });

  it.each([
    [{ ad_path_contains: 'x.org' }, { adPath: [PEER, 'x.org'] }, { adPath: [PEER] }],
    [{ origin_ad: ['x.org'] }, { adPath: [PEER, 'x.org'] }, { adPath: [PEER, 'y.org'] }],
    [{ neighbor_ad: [PEER] }, {}, undefined],
    [{ has_window: true }, { validFrom: 1 }, {}],
    [{ bandwidth_bps: { min: 1000 } }, { bandwidthBps: '5000' }, { bandwidthBps: '10' }],
    [{ max_bundle_size: { max: 100 } }, { maxBundleSize: 50 }, {}],
  ])('matches %j', (match, hit, miss) => {
    const policy = compile({ import: { chains: [{ peers: ['*'], rules: [{ name: 'r', match, then: 'reject' }] }] } });
    expect(run(policy, [advertised(PEER, 'ipn:1.1', hit)]).rejected.map((r) => r[1])).toEqual(['r']);
    if (miss) expect(run(policy, [advertised(PEER, 'ipn:1.1', miss)]).rejected).toEqual([]);
  });

  it('refuses a route whose origin is not authorized for it (§9.3), and leaves alone what no entry covers', () => {
    const policy = compile({
      origin_authorization: { table: [{ origin: 'dsn.example.org', patterns: ['ipn:100.*', 'dtn://*.dsn.example.org'] }] },
    });
    const result = run(policy, [
      advertised(PEER, ['ipn:100.5', 'dtn://rover.dsn.example.org', 'ipn:300.1'], { adPath: [PEER, 'rogue.example.org'] }),
      advertised(PEER, 'ipn:100.6', { adPath: [PEER] }),
    ]);
    expect(Object.keys(result.accepted)).toEqual(['ipn:300.1', 'ipn:100.6']);
    expect(result.rejected).toEqual([
      ['ipn:100.5', 'origin-authorization', 'origin rogue.example.org is not authorized for ipn:100.5; authorized: dsn.example.org (ipn:100.*.*, dtn://*.dsn.example.org/**)'],
      ['dtn://rover.dsn.example.org', 'origin-authorization', 'origin rogue.example.org is not authorized for dtn://rover.dsn.example.org; authorized: dsn.example.org (ipn:100.*.*, dtn://*.dsn.example.org/**)'],
    ]);
    const lenient = compile({ origin_authorization: { on_invalid: 'accept', table: [{ origin: 'dsn.example.org', patterns: ['ipn:100.*'] }] } });
    expect(run(lenient, [advertised(PEER, 'ipn:100.5', { adPath: [PEER, 'rogue.example.org'] })]).rejected).toEqual([]);
    // Let in, but flagged in the log; a valid one carries no flag.
    const flagged = applyImportPolicy(lenient, updateEvent(1, PEER, [], [advertised(PEER, 'ipn:100.5', { adPath: [PEER, 'rogue.example.org'] }), advertised(PEER, 'ipn:100.6', { adPath: [PEER, 'dsn.example.org'] })]));
    expect(flagged.type === 'update' && flagged.accepted.map((a) => [a.patterns, a.rules])).toEqual([[['ipn:100.5'], ['origin-invalid']], [['ipn:100.6'], undefined]]);
  });

  it('withdraws what the neighbor had when policy refuses its new route for that pattern and window', () => {
    const policy = compile({ import: { chains: [{ peers: ['*'], rules: [{ name: 'no-bad', match: { ad_path_contains: 'BAD.example.org' }, then: 'reject' }] }] } });
    const rib = new LocRib('us.example.org');
    rib.apply(applyImportPolicy(policy, updateEvent(1, PEER, [], [advertised(PEER, 'ipn:100.*', { adPath: [PEER, 'good.example.org'] })])));
    expect(rib.best('ipn:100.*')?.adPath).toEqual([PEER, 'good.example.org']);
    const changes = rib.apply(applyImportPolicy(policy, updateEvent(2, PEER, [], [advertised(PEER, 'ipn:100.*', { adPath: [PEER, 'bad.example.org'] })])));
    expect(changes.map((c) => [c.pattern, c.best])).toEqual([['ipn:100.*', undefined]]);
  });

  it('refuses a route that takes part of an authorized range without being covered by its origin\'s entry', () => {
    const policy = compile({ origin_authorization: { table: [{ origin: 'X.example.org', patterns: ['ipn:100.[0-15]'] }] } });
    expect(run(policy, [advertised(PEER, 'ipn:100.[12-19]', { adPath: [PEER, 'evil.example.org'] })]).rejected.map((r) => r[1])).toEqual(['origin-authorization']);
    expect(run(policy, [advertised(PEER, 'ipn:100.[2-4]', { adPath: [PEER, 'x.example.org'] })]).rejected).toEqual([]);
    expect(run(policy, [advertised(PEER, 'ipn:100.[16-19]', { adPath: [PEER, 'evil.example.org'] })]).rejected).toEqual([]);
  });

  it('checks AD names, ranges and gateway EIDs at load', () => {
    const file = Schema.decodeUnknownSync(PolicyFile)({
      import: { chains: [{ peers: ['bad name'], rules: [{ name: 'r', match: { ad_path_length: { min: 5, max: 2 } }, set: { gateway_eid: 'nowhere' } }] }] },
    });
    const problems = compilePolicy(file, 'p').problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^p\.import\.chains\[0\]\.peers\[0\]: "bad name": /);
    expect(problems.slice(1)).toEqual([
      'p.import.chains[0].rules[0].match.ad_path_length: min 5 is above max 2; swap them',
      'p.import.chains[0].rules[0].set.gateway_eid: "nowhere" is no EID; write ipn:N.S, ipn:A.N.S or dtn://name/',
    ]);
  });
});
