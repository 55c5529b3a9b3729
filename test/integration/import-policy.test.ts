import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result, Schema } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeRibInput, type PeerEvent } from '#libs/events';
import { PolicyFile } from '#libs/policy';
import { ensureStream, readLog } from '#libs/streams';
import { peerMessageCodec } from '#libs/wire';
import { startImportStage } from '../../services/policy/src/import-stage.ts';
import { logPolicyVersion } from '../../services/policy/src/policy-version.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { jsonLines, runDpp } from '../harness/dpp-process.ts';
import { until } from '../harness/until.ts';

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
      origin_authorization: { table: [{ origin: PEER, patterns: ['ipn:100.*'] }] },
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
      accepted: [{ patterns: ['ipn:100.1'], metric: 5 }],
      rejected: [{ pattern: 'ipn:100.2', rule: 'origin-authorization', reason: `origin rogue.example.test is not authorized for ipn:100.2; authorized: ${PEER} (ipn:100.*)` }],
    });
    const explained = await runDpp('explain', 'ipn:100.2', '--ad', 'us.example.test', '--nats', inject('natsUrl'), '--stream', names.input, '--json');
    expect(jsonLines(explained.stdout)[0]).toMatchObject({ candidates: [], rejected: [{ neighbor: `${PEER} dtn://dsn`, rule: 'origin-authorization' }] });
  }, 30_000);
});
