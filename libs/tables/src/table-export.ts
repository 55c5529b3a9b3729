import { createHash, randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Result } from 'effect';
import { decodeLocRibChanges } from '#libs/events';
import type { LocRibChange, RibAdvertisement } from '#libs/rib';
import { DUPLICATE_WINDOW_MS, ensureStream, isWrongLastSubjectSeq, publisherFor, readLog, startProjection } from '#libs/streams';
import { deltasOf, type TableDelta, type TableTarget } from './table-delta.ts';
import { canonicalKey, keyOf, tableBucket } from './table-key.ts';
import { readTable } from './table-follower.ts';
import { TableWriter, type DeltaBatch } from './table-writer.ts';

export interface TableExportOptions {
  /** The Loc-RIB change stream the tables follow. */
  readonly changeStream: string;
  readonly targets: readonly TableTarget[];
  /** Target T's table is `<prefix>-T` (its stream `TABLE_<prefix>-T`); the exporter's own state is the KV bucket `<prefix>-<stateName>`. */
  readonly bucketPrefix: string;
  readonly stateName: string;
  /** Message ids start with it: two exporters on one server must not take each other's deltas for their own. */
  readonly idPrefix: string;
  readonly batch: number;
  /** Copies of each stream in the NATS cluster; default 1. */
  readonly replicas?: number;
  /** Delta lines before a table's first snapshot (libs/tables TableWriter); for tests. */
  readonly compactAfter?: number;
  readonly log: (line: Record<string, unknown>) => void;
  /** After each batch is published: the deltas written per target, for the counters. */
  readonly onPublished?: (target: string, deltas: number) => void;
}

/**
 * Keeps, per target, a table of pattern → value from the Loc-RIB change stream (design.md
 * property 6; the FIB export and the Adj-RIB-Out): the table's stream holds the deltas of each
 * change message in one message, and snapshots that compact them (libs/tables TableWriter), so
 * a reader loads the latest snapshot and then the deltas after it from one ordered consumer.
 *
 * The deltas of each change message are published in order under the id
 * `<idPrefix>-<change message seq>-<target>-<fingerprint hash>`, the same on every replica with
 * that target, and only then are the targets' positions moved: a batch cut short is done again,
 * and doing it again stores the same values. A target that is new, or whose fingerprint changed,
 * gets its table rebuilt from the change stream before the exporter goes on; a rebuild writes
 * only the entries that differ, so a reader sees just the difference.
 */
export async function startTableExport(nc: NatsConnection, options: TableExportOptions): Promise<{ stop(): Promise<void>; positions(): ReadonlyMap<string, number | undefined> }> {
  const stateBucket = tableBucket(options.bucketPrefix, options.stateName);
  const state = await new Kvm(nc).create(stateBucket, { history: 1, storage: StorageType.File, replicas: options.replicas ?? 1 });
  // The bucket is a stream: check what the server kept, as for every stream of ours.
  await ensureStream(nc, { name: `KV_${stateBucket}`, subjects: [`$KV.${stateBucket}.>`], duplicateWindowMs: DUPLICATE_WINDOW_MS, replicas: options.replicas ?? 1 });
  const writers = new Map<string, TableWriter>();
  for (const target of options.targets) writers.set(target.name, await TableWriter.open(nc, tableBucket(options.bucketPrefix, target.name), options));
  /** Each target's position entry's revision in the bucket as last read or written here: a write expects it, so another replica's write since is seen, never overwritten. */
  const revisions = new Map<string, number>();
  const readPosition = async (target: string): Promise<number | undefined> => {
    const entry = await state.get(positionKey(target));
    revisions.set(target, entry?.revision ?? 0);
    const stored = entry?.string();
    return stored ? Number(stored) : undefined;
  };
  /**
   * Where each target stands in the change stream. Each has its own, so exporters with other
   * targets never move it for this one, and a change a target has passed is never published for
   * it again (which would put an old value back once its message id is out of the duplicate window).
   */
  const readPositions = async (): Promise<Map<string, number | undefined>> => {
    const known = new Map<string, number | undefined>();
    for (const target of options.targets) known.set(target.name, await readPosition(target.name));
    return known;
  };
  let positions = await readPositions();
  const publisher = publisherFor(nc);
  /**
   * Positions only move forward: a lagging replica does not take one back. A write expects the
   * revision known here (one publish a batch, not a read and a write); when another replica wrote
   * since, the position is read again, and written only if this one is further.
   */
  const advance = async (target: string, seq: number): Promise<void> => {
    while (seq > (positions.get(target) ?? 0)) {
      try {
        const ack = await publisher.publish(`$KV.${stateBucket}.${positionKey(target)}`, String(seq), { lastSubjectSeq: revisions.get(target) ?? 0 });
        revisions.set(target, ack.seq);
        positions.set(target, seq);
      } catch (error) {
        if (!isWrongLastSubjectSeq(error)) throw error;
        positions.set(target, Math.max(positions.get(target) ?? 0, (await readPosition(target)) ?? 0));
      }
    }
  };
  const hashes = new Map(options.targets.map((t) => [t.name, createHash('sha256').update(t.fingerprint).digest('hex').slice(0, 12)]));

  // A target that is new or changed is built where the unchanged ones stand, or, when all are, at the stream's end.
  const end = async () => (await (await jetstreamManager(nc)).streams.info(options.changeStream)).state.last_seq;
  const unchanged: number[] = [];
  const stale: TableTarget[] = [];
  for (const target of options.targets) {
    const position = positions.get(target.name);
    if ((await state.get(`config.${target.name}`))?.string() !== storedFingerprint(target)) stale.push(target);
    else if (position !== undefined) unchanged.push(position);
  }
  if (stale.length > 0) await rebuild(nc, state, options, stale, unchanged.length > 0 ? Math.min(...unchanged) : await end(), writers);
  positions = await readPositions();

  const position = async (): Promise<number> => {
    positions = await readPositions();
    return Math.min(...[...positions.values()].map((p) => p ?? 0)) + 1;
  };
  const consumer = await startProjection<readonly LocRibChange[], { readonly target: string; readonly seq: number; readonly batch: DeltaBatch }>(nc, {
    stream: options.changeStream,
    batch: options.batch,
    log: options.log,
    resume: position,
    decode: decodeLocRibChanges,
    quarantined: QUARANTINED,
    // A target past this message already has its deltas: they are not published for it again.
    decide: (changes, seq) =>
      Result.succeed(
        options.targets
          .filter((target) => seq > (positions.get(target.name) ?? 0))
          // The fingerprint is in the id: a target whose fingerprint changed must not have its new deltas taken for old ones.
          .map((target) => ({ target: target.name, seq, batch: { id: `${options.idPrefix}-${seq}-${target.name}-${hashes.get(target.name)}`, deltas: changes.flatMap((change) => deltasOf(target, change)) } })),
      ),
    // Each table's stream in order, the tables side by side, and each target's position moved as soon as its own table has the batch:
    // a target whose append failed does not make the others write theirs again.
    publish: async (outputs) => {
      const byTarget = Map.groupBy(outputs, (o) => o.target);
      await Promise.all(
        [...byTarget].map(async ([name, own]) => {
          const lines = await writers.get(name)!.append(own.map((o) => o.batch));
          await advance(name, own.at(-1)!.seq);
          if (lines > 0) options.onPublished?.(name, lines);
        }),
      );
    },
    // Past the batch's end also for a target it gave nothing (quarantined changes at its end).
    commit: async ({ last }) => {
      await Promise.all(options.targets.map((target) => advance(target.name, last)));
    },
  });
  return {
    stop: async () => {
      await consumer.stop();
      for (const writer of writers.values()) await writer.close();
    },
    positions: () => positions,
  };
}

/** A target's position in the exporter's state bucket (its key; the KV subject is `$KV.<bucket>.<key>`). */
const positionKey = (target: string): string => `position.${target}`;

/** A change message that does not decode, met by the exporter or by a rebuild: it stays in the log, for inspection. */
const QUARANTINED = 'Loc-RIB changes quarantined: not valid changes of a known version';
const quarantine = (options: TableExportOptions, seq: number, error: string) => options.log({ level: 'error', msg: QUARANTINED, stream: options.changeStream, seq, error });

/** Each target whose fingerprint is new or changed (`stale`) gets the table the Loc-RIB at `upTo` gives it. */
async function rebuild(nc: NatsConnection, state: KV, options: TableExportOptions, stale: readonly TableTarget[], upTo: number, writers: ReadonlyMap<string, TableWriter>): Promise<void> {
  const best = await readLocRib(nc, options.changeStream, upTo, (seq, error) => quarantine(options, seq, error));
  for (const target of stale) {
    const wanted = new Map<string, string>();
    for (const { pattern, advertisement, causeSeq } of best.values()) {
      for (const delta of deltasOf(target, { pattern, best: advertisement, previous: undefined, causeSeq, at: 0 })) if (delta.value !== undefined) wanted.set(delta.key, delta.value);
    }
    const held = await readTable(nc, tableBucket(options.bucketPrefix, target.name));
    const deltas: TableDelta[] = [];
    /** Routes whose key of an older layout was just replaced by this layout's. */
    const rekeyed = new Set<string>();
    for (const key of held.keys()) {
      const canonical = canonicalKey(key);
      if (canonical === key && wanted.has(key)) continue;
      deltas.push({ key, value: undefined });
      // The route under its new key right after its old key goes: a reader keeping routes by what keys name (a gateway, a session's Adj-RIB-Out) sees it replaced, never gone between two messages;
      // also when the new key is held too (written by an exporter of layout 5 beside one of layout 4), since the old key's delete takes the route from such a reader.
      const value = canonical === undefined || canonical === key ? undefined : wanted.get(canonical);
      if (value !== undefined) {
        deltas.push({ key: canonical!, value });
        rekeyed.add(canonical!);
      }
    }
    for (const [key, value] of wanted) if (held.get(key) !== value && !rekeyed.has(key)) deltas.push({ key, value });
    // Each rebuild its own id: a rebuild back to an earlier fingerprint must not have its writes taken for the first one's.
    await writers.get(target.name)!.append([{ id: `${options.idPrefix}-rebuild-${randomUUID()}`, deltas }]);
    // Set, not advanced: the table is now the Loc-RIB's at `upTo`, and what follows it is to be applied.
    await state.put(positionKey(target.name), String(upTo));
    await state.put(`config.${target.name}`, storedFingerprint(target));
    options.log({ level: 'info', msg: 'table rebuilt from the Loc-RIB', table: target.name, atChangeSeq: upTo, entries: wanted.size, written: deltas.length });
  }
}

/** One interval of a pattern's timeline as the change stream has it: its winner (window clipped to the interval) and the RIB input event that made it so. */
export interface LocRibEntry {
  readonly pattern: string;
  readonly advertisement: RibAdvertisement;
  readonly causeSeq: number;
}

/**
 * The Loc-RIB as the change stream has it up to `upTo` (default: its end): every interval of
 * every pattern's timeline, current and future, by table key (libs/tables keyOf). Changes that
 * do not decode are passed over, and told to `onCorrupt` (the exporter logs them).
 */
export async function readLocRib(nc: NatsConnection, changeStream: string, upTo?: number, onCorrupt?: (seq: number, error: string) => void): Promise<Map<string, LocRibEntry>> {
  const entries = new Map<string, LocRibEntry>();
  for await (const m of readLog(nc, changeStream, upTo)) {
    const changes = decodeLocRibChanges(m.string());
    if (Result.isFailure(changes)) onCorrupt?.(m.seq, changes.failure);
    for (const change of Result.isSuccess(changes) ? changes.success : []) {
      if (change.previous) entries.delete(keyOf(change.pattern, change.previous.validFrom));
      if (change.best) entries.set(keyOf(change.pattern, change.best.validFrom), { pattern: change.pattern, advertisement: change.best, causeSeq: change.causeSeq });
    }
  }
  return entries;
}

/**
 * What decides a table's entries, as its state records it: the target's fingerprint and the table
 * layout. Layout 2 held an entry per interval of a pattern's timeline (keys with a window start),
 * layout 3 holds them in the table's stream of delta batches and snapshots instead of a KV
 * bucket, layout 4 keys them by draft -01's pattern text (`ipn:100.1.*`), layout 5 by that text
 * as it is, not in base64url (libs/tables keyOf): a table of an older layout is rebuilt (an old
 * bucket is left as it was).
 */
const storedFingerprint = (target: TableTarget): string => `layout 5 ${target.fingerprint}`;
