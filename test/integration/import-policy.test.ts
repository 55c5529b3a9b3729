import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result, Schema } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeRibInput, type PeerEvent, type PolicyEvent } from '#libs/events';
import { PolicyFile } from '#libs/policy';
import type { RibEvent } from '#libs/rib';
import { ensureStream, readLog } from '#libs/streams';
import { peerMessageCodec } from '#libs/wire';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { logPolicyVersion } from '../../services/policy/src/policy-version.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { jsonLines, runDpp } from '../harness/dpp-process.ts';
import { until } from '#libs/lab';

const PEER = 'dsn.example.test';

/** Peer events through the import stage under a policy: the RIB input holds the verdicts, and `dpp explain` says why. */
describe('import policy in the import stage', () => {
  let nc: NatsConnection;
  const id = randomUUID().slice(0, 8);
  const names = { peer: `PP_${id}`, input: `PI_${id}` };
  let stop: () => Promise<void>;

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    const peers = await PeerEventLog.open(nc, { stream: names.peer, subjectPrefix: `pp.${id}` });
    await ensureStream(nc, { name: names.input, subjects: [`${names.input.toLowerCase()}.>`], duplicateWindowMs: 120_000 });
    const policy = Schema.decodeUnknownSync(PolicyFile)({
      origin_authorization: { table: [{ origin: PEER, patterns: ['ipn:100.*.*'] }] },
      import: { chains: [{ peers: [PEER], rules: [{ name: 'prefer', match: { origin_ad: [PEER] }, set: { metric: 5 }, then: 'accept' }] }] },
    });
    await logPolicyVersion(nc, names.peer, `pp.${id}.policy`, policy, Date.now());
    ({ stop } = await startImportStage(nc, { peerStream: names.peer, ribStream: names.input, ribSubject: `${names.input.toLowerCase()}.verdict`, restartMs: 0, batch: 8, log: () => undefined }));
    const update = { announcements: [
      { patterns: [{ ipn: { allocator_id: 100, node_id: 1 } }], ad_path: [PEER] },
      { patterns: [{ ipn: { allocator_id: 100, node_id: 2 } }], ad_path: [PEER, 'rogue.example.test'] },
    ] };
    const event: PeerEvent = { v: 1, kind: 'route-update', sessionId: 's', n: 1, speakerId: 'dtn://us', peerAd: PEER, peerSpeakerId: 'dtn://dsn', receivedAt: Date.now(), sequenceNumber: '1', message: peerMessageCodec().encode({ sequence_number: '1', update }).toString('base64') };
    await peers.append(event, `${id}-1`);
  });
  afterAll(async () => {
    await stop?.();
    await nc?.close();
  });

  it('accepts and changes what the rules say, refuses an unauthorized origin with its reason, and explain shows it', async () => {
    const verdict = await until('the verdict', async () => {
      for await (const m of readLog(nc, names.input)) return Result.getOrThrow(decodeRibInput(m.string(), m.seq));
      return undefined;
    });
    expect(verdict).toMatchObject({
      type: 'update',
      accepted: [{ patterns: ['ipn:100.1.*'], metric: 5 }],
      rejected: [{ pattern: 'ipn:100.2.*', rule: 'origin-authorization', reason: `origin rogue.example.test is not authorized for ipn:100.2.*; authorized: ${PEER} (ipn:100.*.*)` }],
    });
    const explained = await runDpp('explain', 'ipn:100.2.*', '--ad', 'us.example.test', '--nats', inject('natsUrl'), '--stream', names.input, '--json');
    expect(jsonLines(explained.stdout)[0]).toMatchObject({ candidates: [], rejected: [{ neighbor: `${PEER} dtn://dsn`, rule: 'origin-authorization' }] });
  }, 30_000);
});

/** A policy version re-judges the routes held; a route that never made it into the RIB (quarantined for size) does not block it. */
describe('a policy version in the import stage', () => {
  it('re-judges the routes of the neighbors up, and a route quarantined for its size does not stop the rest', async () => {
    const nc = await connect({ servers: inject('natsUrl') });
    const id = randomUUID().slice(0, 8);
    await ensureStream(nc, { name: `PE_${id}`, subjects: [`pe${id}.>`], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: `RI_${id}`, subjects: [`ri${id}.>`], duplicateWindowMs: 120_000 });
    const js = jetstream(nc);
    let n = 0;
    const peer = (peerAd: string, kind: PeerEvent['kind'], update?: object) => {
      const e: PeerEvent = { v: 1, kind, sessionId: peerAd, n: ++n, speakerId: 'us', peerAd, peerSpeakerId: 's', receivedAt: 1, ...(update ? { message: peerMessageCodec().encode({ sequence_number: '1', update }).toString('base64') } : {}) };
      return js.publish(`pe${id}.${kind}`, JSON.stringify(e));
    };
    await peer('a.org', 'session-up');
    await peer('a.org', 'route-update', { announcements: [{ patterns: [{ ipn: { allocator_id: 1, node_id: 1 } }], ad_path: ['a.org'] }] });
    await peer('b.org', 'session-up');
    // b.org's route carries a transitive attribute too large for one RIB input message: its event is quarantined.
    await peer('b.org', 'route-update', { announcements: [{ patterns: [{ ipn: { allocator_id: 2, node_id: 2 } }], ad_path: ['b.org'], attributes: [{ unknown: { type_id: 9, transitive: true, value: Buffer.alloc(6_000, 1) } }] }] });
    const policy: PolicyEvent = { v: 1, kind: 'policy', version: 'v2', at: 2, policy: { import: { chains: [{ peers: ['*'], rules: [{ name: 'm9', set: { metric: 9 }, then: 'accept' }] }] } } };
    await js.publish(`pe${id}.policy`, JSON.stringify(policy));
    const logs: Record<string, unknown>[] = [];
    const stage = await startImportStage(nc, { peerStream: `PE_${id}`, ribStream: `RI_${id}`, ribSubject: `ri${id}.verdict`, restartMs: 0, batch: 16, maxMessageBytes: 4_000, log: (l) => logs.push(l) });
    const verdicts = await until('the reconfiguration verdict', async () => {
      const got: { id: string | undefined; event: RibEvent }[] = [];
      for await (const m of readLog(nc, `RI_${id}`)) got.push({ id: m.headers?.get('Nats-Msg-Id'), event: Result.getOrThrow(decodeRibInput(m.string(), m.seq)) });
      return got.some((v) => v.id === 'import-5') ? got : undefined;
    });
    await stage.stop();
    await nc.close();
    // a.org's ipn:1.1 at the new metric, under the policy event's id; b.org's quarantined route is not there.
    const reconfigured = verdicts.find((v) => v.id === 'import-5')!.event;
    expect(reconfigured).toMatchObject({ type: 'update', neighbor: 'a.org s', accepted: [{ patterns: ['ipn:1.1.*'], metric: 9, rules: ['m9'] }] });
    expect(verdicts.map((v) => v.id)).toEqual(['import-1', 'import-2', 'import-3', 'import-5']);
    expect(logs.filter((l) => l['msg'] === 'peer event quarantined').map((l) => l['seq'])).toEqual([4]);
  }, 30_000);
});
