import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeLocRibChanges } from '#libs/events';
import { gatewayTable, type GatewaySpec } from '#libs/fib-export';
import { GatewayFib } from '#libs/gateway-client';
import { until } from '#libs/lab';
import { LocRib } from '#libs/rib';
import { STATE_BUCKET } from '#libs/service-config';
import { ensureStream } from '#libs/streams';
import { deltasOf, readTable, routeOfKey, tableBucket, TableWriter, type TableDelta } from '#libs/tables';
import { startFibExport } from '../../services/fib-export/src/fib-exporter.ts';
import { advertised, updateEvent } from '../../libs/rib/test/routes.ts';

const US = 'us.example.test';
const ALL: GatewaySpec = { name: 'all', fromPeers: undefined, schemes: undefined };
const HOUR = 3_600_000;
/** Current routes: enough that the rebuild's deltas take several messages of at most 1 MB. */
const ROUTES = 60_000;

/** A key as table layout 4 wrote it: the pattern in base64url, the window start with '.' as '_'. */
const layout4Key = (key: string): string => {
  const { pattern, validFrom } = routeOfKey(key)!;
  return `p.${Buffer.from(pattern).toString('base64url')}${validFrom === undefined ? '' : `.${String(validFrom).replace('.', '_')}`}`;
};

/**
 * A FIB table written by an exporter of table layout 4 (keys in base64url), then the exporter of
 * layout 5 started on it: the table is rebuilt under the new keys, and a gateway following it
 * throughout holds every route all the time. Each route's old key leaves in the same message that
 * brings its new one, so no lookup between two messages misses it.
 */
describe('a table of layout 4 rebuilt under layout 5 keys', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl'), maxReconnectAttempts: -1 });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('holds the same routes under the new keys, and the gateway never lacks one', async () => {
    const id = randomUUID().slice(0, 8);
    const prefix = `up${id}`;
    const changeStream = `LOCRIB_${id}`;
    await ensureStream(nc, { name: changeStream, subjects: [`locrib${id}.>`], duplicateWindowMs: 120_000 });

    // A Loc-RIB of current and scheduled routes, its changes in the change stream.
    const rib = new LocRib(US);
    const now = Date.now();
    const events = [
      updateEvent(1, 'a.example.test', [], [advertised('a.example.test', Array.from({ length: ROUTES }, (_, i) => `ipn:${100 + i}.*.*`))]),
      updateEvent(2, 'b.example.test', [], [advertised('b.example.test', ['dtn://rover.example.test/**', 'ipn:7.*.*'], { validFrom: now + HOUR, validUntil: now + 2 * HOUR })]),
    ];
    const table: TableDelta[] = [];
    let last = 0;
    for (const event of events) {
      const changes = rib.apply(event);
      last = (await jetstream(nc).publish(`locrib${id}.change`, encodeLocRibChanges(changes))).seq;
      for (const change of changes) table.push(...deltasOf(gatewayTable(ALL), change));
    }

    // What an exporter of layout 4 left: the table under its keys, its position and its layout in the exporter's state.
    const writer = await TableWriter.open(nc, tableBucket(prefix, ALL.name), { log: () => undefined });
    await writer.append([{ id: 'layout-4', deltas: table.map(({ key, value }) => ({ key: layout4Key(key), value })) }]);
    await writer.close();
    const state = await new Kvm(nc).create(tableBucket(prefix, STATE_BUCKET), { history: 1 });
    await state.put(`position.${ALL.name}`, String(last));
    await state.put(`config.${ALL.name}`, `layout 4 ${gatewayTable(ALL).fingerprint}`);

    const changes: { route: string; present: boolean; revision: number }[] = [];
    const gateway = await GatewayFib.open(nc, {
      gateway: ALL.name,
      bucketPrefix: prefix,
      onChange: ({ pattern, validFrom, entry, revision }) => changes.push({ route: `${pattern} ${validFrom}`, present: entry !== undefined, revision }),
    });
    const before = gateway.entries();
    expect(before).toHaveLength(ROUTES + 2);
    changes.length = 0;

    const exporter = await startFibExport(nc, { changeStream, gateways: [ALL], bucketPrefix: prefix, batch: 16, log: () => undefined });
    try {
      const wanted = new Map(table.map(({ key, value }) => [key, value]));
      const rebuilt = await until('the table under layout 5 keys', async () => {
        const held = await readTable(nc, tableBucket(prefix, ALL.name));
        const old = [...held.keys()].filter((k) => k.startsWith('p.'));
        const missing = [...wanted.keys()].filter((k) => held.get(k) !== wanted.get(k));
        if (old.length > 0 || missing.length > 0) throw new Error(`${old.length} keys of layout 4 left, ${missing.length} of layout 5 missing: ${missing.slice(0, 5).join(', ')}`);
        return held;
      });
      expect(rebuilt).toEqual(wanted);
      expect((await state.get(`config.${ALL.name}`))?.string()).toBe(`layout 5 ${gatewayTable(ALL).fingerprint}`);
      await until('the gateway to apply the rebuild', () => {
        const back = changes.filter((c) => c.present).length;
        if (back < ROUTES + 2) throw new Error(`${back} of ${ROUTES + 2} routes put again`);
        return true;
      });
      expect(gateway.entries()).toEqual(before);
      // Each route left (its old key) and came back (its new one) within one message: the same revision.
      const revisions = new Set(changes.map((c) => c.revision));
      expect(revisions.size).toBeGreaterThan(1);
      const gone = new Map<string, number>();
      const gaps: string[] = [];
      for (const c of changes) {
        if (!c.present) gone.set(c.route, c.revision);
        else if (gone.has(c.route) && gone.get(c.route) !== c.revision) gaps.push(`${c.route}: gone at ${gone.get(c.route)}, back at ${c.revision}`);
      }
      expect(gaps.slice(0, 5)).toEqual([]);
      expect(gone.size).toBe(ROUTES + 2);
    } finally {
      await exporter.stop();
      await gateway.close();
    }
  });
});
