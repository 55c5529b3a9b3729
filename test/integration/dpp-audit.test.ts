import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { encodeRibInput } from '#libs/events';
import type { RibEvent } from '#libs/rib';
import { ensureStream } from '#libs/streams';
import { advertised, updateEvent } from '../../libs/rib/test/routes.ts';
import { jsonLines, runDpp } from '../harness/dpp-process.ts';


/** design.md property 4: the audit commands answer from the log, as separate processes. */
describe('dpp replay, explain, history, rib diff', () => {
  let nc: NatsConnection;
  const stream = `A_${randomUUID().slice(0, 8)}`;

  const dpp = runDpp;
  const common = () => ['--ad', 'us.example.test', '--nats', inject('natsUrl'), '--stream', stream];
  const lines = jsonLines;

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    await ensureStream(nc, { name: stream, subjects: [`${stream}.>`], duplicateWindowMs: 120_000 });
    const js = jetstream(nc);
    const events: RibEvent[] = [
      { type: 'neighbor-up', seq: 0, neighbor: 'a.org', peerAd: 'a.org', staleUntil: undefined },
      updateEvent(0, 'a.org', [], [advertised('a.org', 'ipn:100.*.*', { adPath: ['a.org', 'x.org'] })]),
      // A peer that sent no speaker id: its neighbor key ends in a space, which no output shows.
      { ...updateEvent(0, 'b.org ', [], [advertised('b.org ', 'ipn:100.*.*', { adPath: ['b.org'] })]), peerAd: 'b.org' },
      { ...updateEvent(0, 'b.org ', [{ pattern: 'ipn:100.*.*' }], []), peerAd: 'b.org' },
    ];
    for (const event of events) await js.publish(`${stream}.in`, encodeRibInput(event));
    await js.publish(`${stream}.in`, 'not an event');
    // Import policy refuses c.org's route: explain shows it with the rule.
    await js.publish(`${stream}.in`, encodeRibInput({ ...updateEvent(0, 'c.org', [], []), rejected: [{ pattern: 'ipn:100.*.*', rule: 'origin-authorization', reason: 'c.org may not originate ipn:100' }] }));
  });
  afterAll(() => nc?.close());

  it('replays the Loc-RIB at the end of the log and at a sequence, skipping what does not decode', async () => {
    const end = await dpp('replay', ...common(), '--json');
    expect(end.status).toBe(0);
    expect(lines(end.stdout)).toMatchObject([{ pattern: 'ipn:100.*.*', neighbor: 'a.org', adPath: ['a.org', 'x.org'], receivedSeq: 2 }]);
    expect(end.stderr).toContain('log sequence 5 skipped: not a valid RIB input event');
    const at3 = await dpp('replay', ...common(), '--until', '3', '--json');
    expect(lines(at3.stdout)).toMatchObject([{ pattern: 'ipn:100.*.*', neighbor: 'b.org', receivedSeq: 3 }]);
    const table = await dpp('replay', ...common(), '--until', '3');
    expect(table.stdout).toMatch(/^Loc-RIB at log sequence 3 \(no clock event recorded yet\): 1 pattern with a route now, 1 interval\nPATTERN +INTERVAL +PEER +AD_PATH +METRIC +NEXT HOP +ROUTE WINDOW +SEQ\n/);
    expect(table.stdout).toMatch(/ipn:100\.\*\.\* +NOW -∞ → ∞ +b\.org/);
  });

  it('explains which route won and why the others lost', async () => {
    const run = await dpp('explain', 'IPN:100.*', ...common(), '--until', '3', '--json');
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toMatchObject([
      { pattern: 'ipn:100.*.*', atSeq: 3, now: null, at: null, candidates: [{ neighbor: 'b.org', result: 'best' }, { neighbor: 'a.org', result: 'lost', lostTo: 'b.org', step: 'ad-path-length' }], unusable: [], rejected: [] },
    ]);
    const end = await dpp('explain', 'ipn:100.*.*', ...common());
    expect(end.stdout).toMatch(/^ipn:100\.\*\.\* at log sequence 6 \(no clock event recorded yet\): 1 usable, 0 outside their window, 1 rejected\n/);
    expect(end.stdout).toMatch(/c\.org +- +- +6 +rejected by origin-authorization: c\.org may not originate ipn:100/);
  });

  it('lists every event that touched a pattern', async () => {
    const run = await dpp('history', 'ipn:100.*.*', ...common(), '--json');
    expect(lines(run.stdout).map((l) => [l['seq'], l['neighbor'], l['what']])).toEqual([
      [2, 'a.org', 'announced, AD_PATH a.org x.org, metric 0'],
      [2, 'a.org', 'best route from a.org'],
      [3, 'b.org', 'announced, AD_PATH b.org, metric 0'],
      [3, 'b.org', 'best route from b.org'],
      [4, 'b.org', 'withdrawn'],
      [4, 'b.org', 'best route from a.org'],
      [6, 'c.org', 'rejected by origin-authorization: c.org may not originate ipn:100'],
    ]);
  });

  it('diffs the Loc-RIB between two points', async () => {
    expect(lines((await dpp('rib', 'diff', '2', '3', ...common(), '--json')).stdout)).toMatchObject([{ pattern: 'ipn:100.*.*', change: 'changed', before: { neighbor: 'a.org' }, after: { neighbor: 'b.org' } }]);
    expect((await dpp('rib', 'diff', '2', '4', ...common())).stdout).toBe('no difference\n');
    expect(lines((await dpp('rib', 'diff', '1', '2', ...common(), '--json')).stdout)).toMatchObject([{ change: 'added', before: null }]);
  });

  it('takes the AD, the NATS server and the stream from a speaker config file, as every command does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-audit-'));
    const config = join(dir, 'us.yaml');
    writeFileSync(config, stringify({ ad: 'us.example.test', nats: { url: inject('natsUrl') }, streams: { rib_input: stream } }));
    const byFile = await dpp('explain', 'ipn:100.*.*', '--config', config, '--until', '3', '--json');
    expect(byFile.status).toBe(0);
    expect(byFile.stdout).toBe((await dpp('explain', 'ipn:100.*.*', ...common(), '--until', '3', '--json')).stdout);
    for (const command of [['replay'], ['history', 'ipn:100.*.*'], ['rib', 'diff', '2', '3']]) {
      expect((await dpp(...command, '--config', config, '--json')).stdout).toBe((await dpp(...command, ...common(), '--json')).stdout);
    }
    // An option given beside the file wins over it.
    const other = await dpp('replay', '--config', config, '--stream', 'NO_SUCH_STREAM');
    expect([other.status, other.stderr]).toEqual([1, expect.stringContaining('stream NO_SUCH_STREAM not found')]);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'ad: us.example.test\nnats: 7\n');
    const bad = await dpp('replay', '--config', broken);
    expect([bad.status, bad.stderr]).toEqual([1, expect.stringContaining(`${broken}: nats`)]);
  });

  it('says what is wrong with its input, with exit codes that mean something', async () => {
    const badPattern = await dpp('explain', 'ipn:*.1', ...common());
    expect([badPattern.status, badPattern.stderr]).toEqual([1, expect.stringContaining('pattern "ipn:*.1": column 7')]);
    const noAd = await dpp('replay', '--nats', inject('natsUrl'));
    expect([noAd.status, noAd.stderr]).toEqual([2, expect.stringContaining('--config FILE or --ad is required')]);
    const badUntil = await dpp('replay', ...common(), '--until', 'yesterday');
    expect([badUntil.status, badUntil.stderr]).toEqual([1, expect.stringContaining('expected a log sequence')]);
    const noStream = await dpp('explain', 'ipn:100.*.*', '--ad', 'us.example.test', '--nats', inject('natsUrl'), '--stream', 'NO_SUCH_STREAM');
    expect([noStream.status, noStream.stderr]).toEqual([1, expect.stringContaining('stream NO_SUCH_STREAM not found on this NATS server')]);
    const noNats = await dpp('replay', '--ad', 'us.example.test', '--nats', 'nats://127.0.0.1:1');
    expect([noNats.status, noNats.stderr]).toEqual([1, expect.stringContaining('cannot reach NATS')]);
  });
});
