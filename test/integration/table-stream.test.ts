import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { followTable, latestSnapshot, readTable, snapshotStream, tableStream, TableWriter, type TableDelta } from '#libs/tables';
import { until } from '#libs/lab';

const log = () => undefined;
const puts = (prefix: string, from: number, to: number): TableDelta[] => Array.from({ length: to - from + 1 }, (_, i) => ({ key: `p.${prefix}${from + i}`, value: `${prefix}${from + i}` }));

describe('a table stream: delta batches, snapshots, compaction', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('compacts beside the deltas once the lines written reach the last snapshot, purges what only the previous snapshot needed, and a late reader loads the latest snapshot and the deltas after it', async () => {
    const table = `t${randomUUID().slice(0, 8)}`;
    const writer = await TableWriter.open(nc, table, { compactAfter: 50, compactEveryMs: 0, log });
    const jsm = await jetstreamManager(nc);
    const state = async () => ({ deltas: (await jsm.streams.info(tableStream(table))).state, snapshots: (await jsm.streams.info(snapshotStream(table))).state });
    const expected = new Map<string, string>();
    const write = async (id: string, deltas: TableDelta[]) => {
      await writer.append([{ id, deltas }]);
      for (const { key, value } of deltas) value === undefined ? expected.delete(key) : expected.set(key, value);
    };
    await write('a', puts('a', 1, 30));
    await writer.close();
    expect((await state()).snapshots.messages).toBe(0);
    // 60 lines: the first snapshot (its part and its end), nothing purged.
    await write('b', [...puts('a', 1, 10).map((d) => ({ key: d.key, value: undefined })), ...puts('b', 1, 20)]);
    await writer.close();
    expect(await latestSnapshot(nc, table)).toMatchObject({ deltasThrough: 2, entries: 40 });
    expect((await state()).snapshots.messages).toBe(2);
    expect((await state()).deltas.first_seq).toBe(1);
    // 50 lines more: the second snapshot; the deltas the first one includes go, its part and end stay for a reader loading it.
    await write('c', puts('c', 1, 50));
    await writer.close();
    expect(await latestSnapshot(nc, table)).toMatchObject({ deltasThrough: 3, entries: 90 });
    expect((await state()).deltas).toMatchObject({ first_seq: 3, last_seq: 3 });
    expect((await state()).snapshots.messages).toBe(4);
    await write('d', [{ key: 'p.b1', value: undefined }, { key: 'p.d1', value: 'd1' }]);
    expect(Object.fromEntries(await readTable(nc, table))).toEqual(Object.fromEntries(expected));
    // The deltas of a batch written again (a replica, a retry) are stored once.
    await writer.append([{ id: 'd', deltas: [{ key: 'p.b1', value: undefined }, { key: 'p.d1', value: 'd1' }] }]);
    expect((await state()).deltas.last_seq).toBe(4);
  });

  it('a writer snapshots the table it holds, and reads the table again when another writer came between its appends', async () => {
    const table = `t${randomUUID().slice(0, 8)}`;
    const first = await TableWriter.open(nc, table, { compactAfter: 1_000_000, log });
    await first.append([{ id: 'a', deltas: puts('a', 1, 3) }]);
    // A second writer (a replica's rebuild, under an id of its own) stores a message the first never wrote.
    const second = await TableWriter.open(nc, table, { compactAfter: 1_000_000, log });
    await second.append([{ id: 'rebuild', deltas: [{ key: 'p.a1', value: undefined }, { key: 'p.r1', value: 'r1' }] }]);
    // The first's next append expects its own last message: refused, and done again (as the exporter does) from the table read anew.
    await expect(first.append([{ id: 'b', deltas: puts('b', 1, 1) }])).rejects.toThrow();
    await first.append([{ id: 'b', deltas: puts('b', 1, 1) }]);
    await first.compact();
    const want = { 'p.a2': 'a2', 'p.a3': 'a3', 'p.r1': 'r1', 'p.b1': 'b1' };
    expect(Object.fromEntries(await readTable(nc, table))).toEqual(want);
    expect(await latestSnapshot(nc, table)).toMatchObject({ deltasThrough: 3, entries: 4 });
    // A reader of the snapshot alone (its deltas purged by the next compaction) holds the same.
    await first.append([{ id: 'c', deltas: [{ key: 'p.b1', value: undefined }] }]);
    await first.compact();
    expect((await jetstreamManager(nc).then((jsm) => jsm.streams.info(tableStream(table)))).state.first_seq).toBe(4);
    expect(Object.fromEntries(await readTable(nc, table))).toEqual({ 'p.a2': 'a2', 'p.a3': 'a3', 'p.r1': 'r1' });
  }, 30_000);

  it('compacts at most once every compactEveryMs: a compaction due sooner is made when its time comes', async () => {
    const table = `t${randomUUID().slice(0, 8)}`;
    const writer = await TableWriter.open(nc, table, { compactAfter: 10, compactEveryMs: 1_500, log });
    await writer.append([{ id: 'a', deltas: puts('a', 1, 20) }]);
    await until('the first snapshot', async () => ((await latestSnapshot(nc, table))?.deltasThrough === 1 ? true : undefined));
    const first = Date.now();
    await writer.append([{ id: 'b', deltas: puts('b', 1, 20) }]);
    // Due at once (20 lines since a snapshot of 20), made when 1.5 s have passed since the first.
    expect((await latestSnapshot(nc, table))?.deltasThrough).toBe(1);
    await until('the second snapshot', async () => ((await latestSnapshot(nc, table))?.deltasThrough === 2 ? true : undefined), { ms: 10_000 });
    expect(Date.now() - first).toBeGreaterThanOrEqual(1_000);
    expect(await latestSnapshot(nc, table)).toMatchObject({ deltasThrough: 2, entries: 40 });
    await writer.close();
  });

  it('keeps tables named x and x_SNAP apart (gateway names are tokens that may end so)', async () => {
    const table = `t${randomUUID().slice(0, 8)}`;
    for (const name of [table, `${table}_SNAP`]) {
      const writer = await TableWriter.open(nc, name, { compactAfter: 1, compactEveryMs: 0, log });
      await writer.append([{ id: name, deltas: [{ key: 'p.k', value: name }] }]);
      await writer.close();
    }
    expect(Object.fromEntries(await readTable(nc, table))).toEqual({ 'p.k': table });
    expect(Object.fromEntries(await readTable(nc, `${table}_SNAP`))).toEqual({ 'p.k': `${table}_SNAP` });
  });

  it('a reader that fell behind a compaction loads the latest snapshot over what it holds, and what went meanwhile is gone', async () => {
    const table = `t${randomUUID().slice(0, 8)}`;
    const writer = await TableWriter.open(nc, table, { compactAfter: 1_000_000, log });
    await writer.append([{ id: 'k', deltas: puts('k', 0, 9) }]);
    const held = new Map<string, string>();
    let gate: Promise<void> | undefined;
    let open: () => void = () => undefined;
    const resyncs: number[] = [];
    const follower = await followTable(
      nc,
      table,
      async ({ key, value }) => {
        await gate;
        value === undefined ? held.delete(key) : held.set(key, value);
      },
      { onResync: (keys) => (resyncs.push(keys.size), [...held.keys()].forEach((key) => keys.has(key) || held.delete(key))) },
    );
    await follower.ready;
    expect(held.size).toBe(10);
    // The reader stops taking entries; meanwhile the table moves on, is compacted twice, and what the reader still needs is purged.
    gate = new Promise((resolve) => (open = resolve));
    await writer.append([{ id: 'gone', deltas: puts('k', 0, 4).map((d) => ({ key: d.key, value: undefined })) }]);
    for (let i = 1; i <= 300; i++) await writer.append([{ id: `x${i}`, deltas: puts('x', i, i) }]);
    await writer.append([{ id: 'k5', deltas: [{ key: 'p.k5', value: undefined }] }]);
    await writer.compact();
    await writer.append([{ id: 'y', deltas: puts('y', 1, 10) }]);
    await writer.compact();
    await writer.append([{ id: 'z', deltas: [{ key: 'p.z', value: 'z' }] }]);
    open();
    const want = await readTable(nc, table);
    // On a timeout, the comparison below names what differs.
    await until('the lagging reader holds the table', () => (JSON.stringify([...held].sort()) === JSON.stringify([...want].sort()) ? true : undefined), { ms: 20_000 }).catch(() => undefined);
    expect(Object.fromEntries(held)).toEqual(Object.fromEntries(want));
    expect(held.has('p.k5')).toBe(false);
    expect(resyncs).toEqual([want.size]);
    await follower.close();
  });

  it('a snapshot and deltas of many megabytes are read whole: messages of at most 1 MB, pulled under a byte limit', async () => {
    const table = `t${randomUUID().slice(0, 8)}`;
    const writer = await TableWriter.open(nc, table, { compactAfter: 1_000_000, log });
    const value = 'v'.repeat(1_000);
    // 160 MB in 160 delta batches of 1 MB, then as a snapshot: a reader pulling 100 messages of 8 MB at a time lost all but 3 of 17.
    for (let b = 0; b < 160; b++) await writer.append([{ id: `b${b}`, deltas: Array.from({ length: 1_000 }, (_, i) => ({ key: `p.k${b}_${i}`, value })) }]);
    // Read with a bound that says how far a reader got.
    const read = async () => {
      const held = new Map<string, string | undefined>();
      const follower = await followTable(nc, table, ({ key, value }) => void held.set(key, value));
      try {
        await Promise.race([follower.ready, new Promise((_, reject) => setTimeout(() => reject(new Error(`a reader holds ${held.size} of 160000 entries after 20 s`)), 20_000))]);
      } finally {
        await follower.close();
      }
      return held.size;
    };
    expect(await read()).toBe(160_000);
    await writer.compact();
    expect(await read()).toBe(160_000);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(snapshotStream(table))).state.messages).toBeGreaterThanOrEqual(150);
  }, 60_000);
});
