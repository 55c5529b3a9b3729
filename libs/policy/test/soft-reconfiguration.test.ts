import fc from 'fast-check';
import { Schema } from 'effect';
import { describe, expect, it } from 'vitest';
import { AdjRibIn, applyImportPolicy, compilePolicy, PolicyFile, type ImportPolicy } from '#libs/policy';
import { LocRib, type RibEvent } from '#libs/rib';
import { advertised, updateEvent } from '../../rib/test/routes.ts';

const compile = (file: unknown): ImportPolicy => {
  const { policy, problems } = compilePolicy(Schema.decodeUnknownSync(PolicyFile)(file), 'p');
  expect(problems).toEqual([]);
  return policy.import;
};
const ACCEPT = compile({});
const judged = (policy: ImportPolicy, e: RibEvent): RibEvent => (e.type === 'update' ? applyImportPolicy(policy, e) : e);

describe('soft reconfiguration', () => {
  it('gives only the routes whose outcome changed: now refused (withdrawn, with the reason), now accepted, or changed', () => {
    const adjRibIn = new AdjRibIn();
    adjRibIn.apply({ type: 'neighbor-up', seq: 1, neighbor: 'a s', peerAd: 'a.org', staleUntil: undefined });
    adjRibIn.apply({ ...updateEvent(2, 'a s', [], [advertised('a.org', ['ipn:1.1', 'ipn:1.2', 'ipn:1.3'])]), peerAd: 'a.org' });
    const after = compile({ import: { chains: [{ peers: ['*'], rules: [{ name: 'no-2', match: { patterns_in: 'two' }, then: 'reject', reason: 'not 2' }, { name: 'cheap-3', match: { patterns_in: 'three' }, set: { metric: 9 } }] }] }, pattern_sets: { two: ['ipn:1.2'], three: ['ipn:1.3'] } });
    const [verdict, ...more] = adjRibIn.reconfigure(ACCEPT, after, 10);
    expect(more).toEqual([]);
    expect(verdict).toMatchObject({ seq: 10, neighbor: 'a s', peerAd: 'a.org', withdrawn: [{ patterns: ['ipn:1.2'], validFrom: undefined }], rejected: [{ pattern: 'ipn:1.2', rule: 'no-2', reason: 'not 2' }] });
    expect(verdict!.accepted.map((a) => [a.patterns, a.metric])).toEqual([[['ipn:1.3'], 9]]);
    // Back again: 1.2 accepted, 1.3 at its own metric.
    expect(adjRibIn.reconfigure(after, ACCEPT, 11)[0]!.accepted.map((a) => [a.patterns, a.metric])).toEqual([[['ipn:1.2', 'ipn:1.3'], 0]]);
    // A neighbor whose session ended is not re-judged.
    adjRibIn.apply({ type: 'neighbor-down', seq: 12, neighbor: 'a s', staleUntil: undefined });
    expect(adjRibIn.reconfigure(ACCEPT, after, 13)).toEqual([]);
  });

  it('leaves the RIB holding the routes it would hold had the new policy judged every event (property)', () => {
    const patterns = ['ipn:1.*', 'ipn:1.1', 'ipn:2.*', 'ipn:2.5', 'dtn://x.org/*'];
    const policies = [
      ACCEPT,
      compile({ import: { default: 'reject', chains: [{ peers: ['a.org'], rules: [{ name: 'a-ok', then: 'accept' }] }] } }),
      compile({ pattern_sets: { one: ['ipn:1.*'] }, import: { chains: [{ peers: ['*'], rules: [{ name: 'one', match: { patterns_in: 'one' }, set: { metric: 3 }, then: 'accept' }, { name: 'long', match: { ad_path_length: { min: 2 } }, then: 'reject' }] }] } }),
    ];
    const event = fc.oneof(
      fc.record({ kind: fc.constant('update' as const), who: fc.constantFrom('a.org', 'b.org'), pattern: fc.constantFrom(...patterns), long: fc.boolean(), withdraw: fc.boolean() }),
      // Sessions s0–s2: a down may be of an older session than the neighbor's current one, logged late.
      fc.record({ kind: fc.constantFrom('up' as const, 'down' as const), who: fc.constantFrom('a.org', 'b.org'), session: fc.constantFrom('s0', 's1', 's2') }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.nat(2), fc.nat(2), (script, first, second) => {
        const events: RibEvent[] = script.map((e, i) => {
          const seq = i + 1;
          if (e.kind !== 'update') return e.kind === 'up' ? { type: 'neighbor-up', seq, neighbor: `${e.who} s`, peerAd: e.who, staleUntil: undefined, session: e.session } : { type: 'neighbor-down', seq, neighbor: `${e.who} s`, staleUntil: undefined, session: e.session };
          const update = e.withdraw ? updateEvent(seq, `${e.who} s`, [{ pattern: e.pattern }], []) : updateEvent(seq, `${e.who} s`, [], [advertised(e.who, e.pattern, { adPath: e.long ? [e.who, 'z.org'] : [e.who] })]);
          return { ...update, peerAd: e.who };
        });
        const [before, after] = [policies[first]!, policies[second]!];
        const changed = new LocRib('us.org');
        const adjRibIn = new AdjRibIn();
        for (const e of events) {
          changed.apply(judged(before, e));
          adjRibIn.apply(e);
        }
        // Each verdict is a RIB input message of its own, with its own sequence.
        adjRibIn.reconfigure(before, after, events.length + 1).forEach((v, i) => changed.apply({ ...v, seq: events.length + 1 + i }));
        const fresh = new LocRib('us.org');
        for (const e of events) fresh.apply(judged(after, e));
        // Every route held, with its attributes: which one is best may differ, since a route accepted by the
        // reconfiguration is received then (§4.4 breaks ties by age, as BGP does after a soft reset).
        const view = (rib: LocRib) =>
          patterns.map((p) => [p, rib.explain(p).ranked.map((r) => [r.route.neighbor, r.route.metric, r.route.adPath].join(' ')).sort(), rib.best(p) !== undefined]);
        expect(view(changed)).toEqual(view(fresh));
      }),
    );
  });
});
