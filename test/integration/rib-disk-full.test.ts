import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeLocRibChanges, decodeRibInput, encodeRibInput } from '#libs/events';
import { LocRib, type LocRibChange, type RibEvent } from '#libs/rib';
import { ensureStream, readLog } from '#libs/streams';
import { until } from '#libs/lab';
import { CheckpointStore } from '../../services/rib/src/checkpoint-store.ts';
import { startRib } from '../../services/rib/src/rib-runner.ts';

const US = 'us.example.test';
const EVENTS = 60;

/**
 * The disk under the RIB's checkpoint fills up (a tmpfs of a few megabytes, as root can mount):
 * the batch that cannot be made durable is not taken as done. The RIB says why, keeps its
 * checkpoint where it was, and retries; once there is room again it goes on, and its changes are
 * exactly those a clean run gives: none lost, none twice.
 */
describe('the RIB on a full disk', () => {
  const id = randomUUID().slice(0, 8);
  const names = { input: `DF_${id}`, changes: `DFC_${id}` };
  const disk = mkdtempSync(join(tmpdir(), 'dpp-full-'));
  const checkpoint = join(disk, 'rib.sqlite');
  const filler = join(disk, 'filler');
  const lines: Record<string, unknown>[] = [];
  let nc: NatsConnection;
  let mounted = false;

  beforeAll(async () => {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { stdio: 'pipe' });
      mounted = true;
    } catch (error) {
      throw new Error(`this test mounts a 4 MB tmpfs for the checkpoint and needs root for it: ${(error as Error).message}`);
    }
    nc = await connect({ servers: inject('natsUrl') });
    await ensureStream(nc, { name: names.input, subjects: [`df.${id}.>`], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: names.changes, subjects: [`dfc.${id}.>`], duplicateWindowMs: 120_000 });
  });
  afterAll(async () => {
    await nc?.close();
    if (mounted) execFileSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  /** Update `i`: 50 routes of a few hundred bytes each, so a handful of batches needs more room than is left. */
  const update = (i: number): RibEvent => ({
    type: 'update',
    seq: 0,
    neighbor: 'a.org s',
    peerAd: 'a.org',
    withdrawn: [],
    accepted: [{ patterns: Array.from({ length: 50 }, (_, j) => `ipn:${i + 1}.${j}.*`), adPath: ['a.org', 'x'.repeat(200)], metric: 1, gatewayEid: undefined, validFrom: undefined, validUntil: undefined, bandwidthBps: undefined, maxBundleSize: undefined, transitive: [] }],
    rejected: [],
  });
  /** What the checkpoint holds, read as a restart would: the last sequence applied and the routes. */
  const durable = () => {
    const db = new Database(checkpoint, { readonly: true, fileMustExist: true });
    try {
      const seq = (db.prepare('SELECT last_seq FROM meta WHERE id = 1').get() as { last_seq: number } | undefined)?.last_seq ?? 0;
      return { seq, routes: (db.prepare('SELECT coalesce(sum(json_array_length(patterns)), 0) AS n FROM advertisements').get() as { n: number }).n };
    } finally {
      db.close();
    }
  };
  const durableSeq = () => durable().seq;

  it('does not take a batch it cannot checkpoint as done, says why, and goes on exactly once there is room', async () => {
    const store = CheckpointStore.open(checkpoint);
    const rib = await startRib(nc, store, {
      localAd: US,
      inputStream: names.input,
      clockSubject: `df.${id}.clock`,
      changeSubject: `dfc.${id}.change`,
      changeStream: names.changes,
      batch: 5,
      catchUpMs: 1_000,
      now: Date.now,
      log: (line) => lines.push(line),
    });
    try {
      // All but ~150 KB of the disk taken.
      const { bavail, bsize } = statfsSync(disk);
      writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 150_000)));
      const js = jetstream(nc);
      for (let i = 0; i < EVENTS; i++) await js.publish(`df.${id}.verdict`, encodeRibInput(update(i)), { msgID: `df-${i}` });

      const full = await until('the RIB to meet the full disk', () => lines.find((l) => String(l['error']).includes('full')), { ms: 20_000 });
      expect(full).toMatchObject({ level: 'warn', msg: 'batch not applied; resuming from the durable position', stream: names.input, error: 'database or disk is full' });
      // It stays short of the end, and retries rather than dying or skipping.
      const stuck = durableSeq();
      expect(stuck).toBeLessThan(EVENTS);
      await until('a second attempt', () => (lines.filter((l) => String(l['error']).includes('full')).length >= 2 ? true : undefined));
      expect(durableSeq()).toBe(stuck);

      unlinkSync(filler);
      await until('the RIB to apply every event', () => (durableSeq() === EVENTS ? true : undefined), { ms: 20_000 });
      expect(durable()).toEqual({ seq: EVENTS, routes: EVENTS * 50 });

      // Its changes: those a clean run over the same input gives, each once.
      const clean = new LocRib(US);
      const expected: LocRibChange[] = [];
      for await (const m of readLog(nc, names.input)) expected.push(...clean.apply(Result.getOrThrow(decodeRibInput(m.string(), m.seq))));
      const published: LocRibChange[] = [];
      await until('every change published', async () => {
        published.length = 0;
        for await (const m of readLog(nc, names.changes)) published.push(...Result.getOrThrow(decodeLocRibChanges(m.string())));
        return published.length >= expected.length ? true : undefined;
      });
      expect(published).toEqual(expected);
    } finally {
      await rib.stop();
      store.close();
    }
  });
});
