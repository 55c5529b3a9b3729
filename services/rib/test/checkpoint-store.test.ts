import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocRib, type LocRibChange, type RibEvent } from '#libs/rib';
import { history, stream, view } from '../../../libs/rib/test/history.ts';
import { advertised, updateEvent } from '../../../libs/rib/test/routes.ts';
import { CheckpointStore } from '../src/checkpoint-store.ts';
import { oldCheckpoint } from './old-checkpoint.ts';

const US = 'us.example.org';

/** A snapshot in a canonical order, with undefined fields dropped as JSON drops them. */
const normalized = (rib: LocRib) => {
  const snapshot = JSON.parse(JSON.stringify(rib.snapshot())) as { advertisements: { receivedSeq: number; index: number }[]; routes: [string, number, number][]; stale: unknown[] };
  snapshot.advertisements.sort((a, b) => a.receivedSeq - b.receivedSeq || a.index - b.index);
  snapshot.routes.sort((a, b) => `${a.join(' ')}`.localeCompare(`${b.join(' ')}`));
  snapshot.stale.sort();
  return snapshot;
};

/** Applies events in batches, checkpointing after each, as the RIB service does before acking a batch. */
function applyInBatches(rib: LocRib, store: CheckpointStore, events: readonly RibEvent[], batch: number): LocRibChange[] {
  const changes: LocRibChange[] = [];
  for (let i = 0; i < events.length; i += batch) {
    for (const event of events.slice(i, i + batch)) changes.push(...rib.apply(event));
    store.save(rib.takeStoreOps(), { localAd: rib.localAd, now: rib.now, lastSeq: rib.lastSeq, loopsDropped: rib.loopsDropped });
  }
  return changes;
}

describe('CheckpointStore (SQLite)', () => {
  it('resumes after a crash from its last checkpoint to the same Loc-RIB and change stream as an uninterrupted run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-ckpt-'));
    let run = 0;
    fc.assert(
      // The crash point is drawn uniformly along the history (fc.nat() favours small numbers).
      fc.property(history, fc.integer({ min: 1, max: 7 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (events, batch, crashAt, lostTail) => {
        const path = join(dir, `rib-${run++}.sqlite`);
        const reference = new LocRib(US);
        const expected = events.flatMap((e) => reference.apply(e));

        // The first process checkpoints whole batches up to the crash; the events after its last save are lost with it.
        const crash = Math.min(events.length, Math.floor(crashAt * (events.length + 1)));
        const saved = Math.floor(crash / batch) * batch;
        const first = new LocRib(US, { checkpointed: true });
        const store = CheckpointStore.open(path);
        const emitted = applyInBatches(first, store, events.slice(0, saved), batch);
        for (const event of events.slice(saved, saved + (lostTail % batch))) first.apply(event);
        store.close();

        // The second process: restore, and read again everything after the checkpoint (nothing was acked beyond it).
        const reopened = CheckpointStore.open(path);
        const snapshot = reopened.load();
        const second = snapshot ? LocRib.restore(snapshot) : new LocRib(US, { checkpointed: true });
        expect(second.lastSeq).toBe(saved === 0 ? 0 : events[saved - 1]!.seq);
        // The restored state is the whole state at the checkpoint: every route, not only the best ones.
        const atCheckpoint = new LocRib(US);
        for (const event of events.slice(0, saved)) atCheckpoint.apply(event);
        expect(normalized(second)).toEqual(normalized(atCheckpoint));
        const rest = applyInBatches(second, reopened, events.slice(saved), batch);
        reopened.close();

        expect(stream([...emitted, ...rest])).toEqual(stream(expected));
        expect(view(second)).toEqual(view(reference));
        expect(second.nextEdge()).toBe(reference.nextEdge());
        expect(second.loopsDropped).toBe(reference.loopsDropped);
      }),
      { numRuns: 150 },
    );
  });

  it('forgets what was withdrawn and keeps what was re-announced, across a restart', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dpp-ckpt-')), 'rib.sqlite');
    const rib = new LocRib(US, { checkpointed: true });
    const store = CheckpointStore.open(path);
    applyInBatches(rib, store, [
      updateEvent(1, 'a.org', [], [advertised('a.org', ['ipn:1.*', 'ipn:2.*'])]),
      updateEvent(2, 'a.org', [{ pattern: 'ipn:1.*' }], [advertised('a.org', 'ipn:2.*', { metric: 9 })]),
    ], 1);
    store.close();
    const reopened = CheckpointStore.open(path);
    const snapshot = reopened.load()!;
    reopened.close();
    // The first advertisement lost both its patterns: its row went with the last of them.
    expect(snapshot.advertisements.map((a) => [a.receivedSeq, a.metric])).toEqual([[2, 9]]);
    const restored = LocRib.restore(snapshot);
    expect([...restored.entries()].map(([p, r]) => [p, r.metric, r.receivedSeq])).toEqual([['ipn:2.*', 9, 2]]);
  });

  it('keeps an advertisement that names a pattern twice: its checkpoint restores', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dpp-ckpt-')), 'rib.sqlite');
    const rib = new LocRib(US, { checkpointed: true });
    const store = CheckpointStore.open(path);
    applyInBatches(rib, store, [updateEvent(1, 'a.org', [], [advertised('a.org', ['ipn:1.*', 'ipn:1.*', 'ipn:2.*'])])], 1);
    store.close();
    const reopened = CheckpointStore.open(path);
    const restored = LocRib.restore(reopened.load()!);
    reopened.close();
    expect([...restored.entries()].map(([p]) => p)).toEqual(['ipn:1.*', 'ipn:2.*']);
  });

  it('is empty until the first save', () => {
    const store = CheckpointStore.open(join(mkdtempSync(join(tmpdir(), 'dpp-ckpt-')), 'new.sqlite'));
    expect(store.load()).toBeUndefined();
    store.close();
  });

  it('reads a checkpoint made before timelines, says so until its intervals are published, and refuses older layouts', () => {
    const path = oldCheckpoint(3, [updateEvent(1, 'a.org', [], [advertised('a.org', 'ipn:1.*', { validFrom: 5_000, validUntil: 9_000 })])]);
    const old = CheckpointStore.open(path);
    expect(old.timelinesUnpublished).toBe(true);
    const restored = LocRib.restore(old.load()!);
    // Its -00 pattern text was rewritten in -01's form when it was opened.
    expect(restored.resync().map((c) => [c.pattern, c.best?.validFrom, c.previous])).toEqual([['ipn:1.*.*', 5_000, undefined]]);
    old.timelinesPublished();
    old.close();
    const upgraded = CheckpointStore.open(path);
    expect(upgraded.timelinesUnpublished).toBe(false);
    upgraded.close();
    new Database(path).pragma('user_version = 2');
    expect(() => CheckpointStore.open(path)).toThrow(/has layout 2, this RIB reads layout 8: move it aside/);
  });

  it('rewrites the route patterns of a checkpoint made before draft -01 once, so that -01 events withdraw them', () => {
    const path = oldCheckpoint(4, [updateEvent(1, 'a.org', [], [advertised('a.org', ['ipn:1.2', 'ipn:3.*', 'dtn://rover.example.org', 'dtn://*', 'ipn:4.5.*'])])]);
    const old = CheckpointStore.open(path);
    expect(old.timelinesUnpublished).toBe(false);
    const restored = LocRib.restore(old.load()!);
    expect([...restored.entries()].map(([p]) => p).sort()).toEqual(['dtn:**', 'dtn://rover.example.org/**', 'ipn:1.2.*', 'ipn:3.*.*', 'ipn:4.5.*']);
    // A withdrawal in -01 text finds the route, in memory and in the checkpoint.
    applyInBatches(restored, old, [updateEvent(2, 'a.org', [{ pattern: 'ipn:1.2.*' }], [])], 1);
    old.close();
    const again = CheckpointStore.open(path);
    expect([...LocRib.restore(again.load()!).entries()].map(([p]) => p).sort()).toEqual(['dtn:**', 'dtn://rover.example.org/**', 'ipn:3.*.*', 'ipn:4.5.*']);
    expect(new Database(path).pragma('user_version', { simple: true })).toBe(8);
    again.close();
  });

  it('moves the routes of a layout-6 checkpoint into their advertisements, every route and stale mark kept', () => {
    const events = [
      updateEvent(1, 'a.org', [], [advertised('a.org', ['ipn:1.*.*', 'ipn:2.*.*']), advertised('a.org', 'ipn:3.*.*', { metric: 4 })]),
      updateEvent(2, 'b.org', [], [advertised('b.org', ['ipn:1.*.*', 'ipn:9.*.*'])]),
      updateEvent(3, 'a.org', [{ pattern: 'ipn:2.*.*' }], []),
    ];
    const reference = new LocRib(US);
    for (const event of events) reference.apply(event);
    const path = oldCheckpoint(6, events);
    const store = CheckpointStore.open(path);
    const restored = LocRib.restore(store.load()!);
    store.close();
    expect(normalized(restored)).toEqual(normalized(reference));
    const db = new Database(path, { readonly: true });
    expect([db.pragma('user_version', { simple: true }), db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'routes'").pluck().get()]).toEqual([8, 0]);
    db.close();
  });
});
