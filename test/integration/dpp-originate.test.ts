import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeRibInput, ribStreams } from '#libs/events';
import { ensureStream, readLog } from '#libs/streams';
import { runDpp } from '../harness/dpp-process.ts';

const AD = 'us.example.test';

/** `dpp originate` and `dpp withdraw` against a real nats-server: what reaches the RIB input, and what is said. */
describe('dpp originate and withdraw', () => {
  let nc: NatsConnection;
  const ribInput = `OW_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'dpp-originate-'));
  const config = join(dir, 'dpp.yaml');

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    await ensureStream(nc, ribStreams({ ribInput, locRib: `${ribInput}_LR`, replicas: 1 }).input);
    writeFileSync(config, stringify({ ad: AD, key_file: 'us.key', tls: 'plaintext-lab', dns: { resolvers: ['127.0.0.1:53'] }, peers: [{ ad: 'x.example.test' }], nats: { url: inject('natsUrl') }, streams: { rib_input: ribInput, loc_rib: `${ribInput}_LR` } }));
  });
  afterAll(() => nc?.close());

  /** The withdrawals the RIB input holds, in order. */
  const withdrawals = async () => {
    const out: (readonly string[])[] = [];
    for await (const m of readLog(nc, ribInput)) {
      const event = Result.getOrThrow(decodeRibInput(m.string(), m.seq));
      if (event.type === 'update') for (const w of event.withdrawn) out.push(w.patterns);
    }
    return out;
  };

  it('withdraws only what we originate, says which patterns named nothing of ours, and exits 1 when none did', async () => {
    const never = await runDpp('withdraw', 'ipn:5.*.*', '--config', config);
    expect([never.status, never.stdout]).toEqual([1, 'nothing matched: no route withdrawn\n']);
    expect(never.stderr).toContain(`ipn:5.*.*: no route of ${AD}`);
    expect(await withdrawals()).toEqual([]);

    expect((await runDpp('originate', 'ipn:5.*.*', 'ipn:6.*.*', '--config', config)).stdout).toBe(`2 routes originated by ${AD}\n`);
    // Written the -00 way, it is the same route.
    const some = await runDpp('withdraw', 'ipn:5.*', 'ipn:7.*.*', '--config', config);
    expect([some.status, some.stdout]).toEqual([0, `1 route withdrawn by ${AD}\n`]);
    expect(some.stderr).toContain(`ipn:7.*.*: no route of ${AD}`);
    expect(await withdrawals()).toEqual([['ipn:5.*.*']]);

    const again = await runDpp('withdraw', 'ipn:5.*.*', '--config', config);
    expect(again.status).toBe(1);
    // A scheduled route is named by its window start (§6.6).
    const from = '2030-01-01T00:00:00.000Z';
    await runDpp('originate', 'ipn:8.*.*', '--from', from, '--config', config);
    expect((await runDpp('withdraw', 'ipn:8.*.*', '--config', config)).status).toBe(1);
    expect((await runDpp('withdraw', 'ipn:8.*.*', '--from', from, '--config', config)).status).toBe(0);
    expect(await withdrawals()).toEqual([['ipn:5.*.*'], ['ipn:8.*.*']]);
  });
});
