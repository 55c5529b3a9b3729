import { Schema } from 'effect';
import { describe, expect, it } from 'vitest';
import { compilePolicy, PolicyFile, type ExportPolicy } from '#libs/policy';
import { LocRib } from '#libs/rib';
import { deltasOf } from '#libs/tables';
import { advertised, updateEvent } from '../../../libs/rib/test/routes.ts';
import { peerTable } from '../src/peer-table.ts';

const US = 'b.example.org';
const compile = (file: unknown): ExportPolicy => {
  const { policy, problems } = compilePolicy(Schema.decodeUnknownSync(PolicyFile)(file), 'policy.yaml: policy');
  expect(problems).toEqual([]);
  return policy.export;
};
const OPEN = compile({});

describe('a peer\'s Adj-RIB-Out table', () => {
  it("keeps a peer's Adj-RIB-Out from the Loc-RIB changes: in when best and exported, out while the best is the peer's own", () => {
    const rib = new LocRib(US);
    const table = peerTable('c', OPEN, US, 'c.example.org');
    const changes = [
      updateEvent(1, 'a.example.org', [], [advertised('a.example.org', 'ipn:1.*', { adPath: ['a.example.org', 'x.example.org'] })]),
      updateEvent(2, 'c.example.org', [], [advertised('c.example.org', 'ipn:1.*')]),
      updateEvent(3, 'c.example.org', [{ pattern: 'ipn:1.*' }], []),
    ].flatMap((e) => rib.apply(e));
    const summary = changes.map((c) => deltasOf(table, c)[0]).map((d) => (d === undefined ? '-' : d.value === undefined ? 'withdraw' : `send ${JSON.parse(d.value).adPath.join(' ')}`));
    expect(summary).toEqual([`send ${US} a.example.org x.example.org`, 'withdraw', `send ${US} a.example.org x.example.org`]);
    for (const c of changes) for (const a of [c.best, c.previous]) if (a) expect(table.takes(c.pattern, a)).toBe(table.entryOf(c.pattern, a, 0) !== undefined);
    // The fingerprint follows the policy that concerns the peer, and only it.
    expect(peerTable('c', compile({ export: { chains: [{ peers: ['d.example.org'], rules: [{ name: 'r', then: 'reject' }] }] } }), US, 'c.example.org').fingerprint).toBe(table.fingerprint);
    expect(peerTable('c', compile({ export: { gateway_eid: 'ipn:1.1' } }), US, 'c.example.org').fingerprint).not.toBe(table.fingerprint);
  });
});
