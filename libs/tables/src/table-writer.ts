import { headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { DUPLICATE_WINDOW_MS, ensureStream, messageRoom, publisherFor, publishInOrder, type OrderedMessage, type SubjectTail } from '#libs/streams';
import type { TableDelta } from './table-delta.ts';
import { canonicalKey } from './table-key.ts';
import { readTableAt } from './table-follower.ts';
import { encodeTableLines, latestSnapshot, lineBytes, SNAPSHOT_HEADER, snapshotStream, tableStream, tableSubject, type Snapshot, type SnapshotEnd } from './table-stream.ts';

/**
 * A table message's size at most, whatever the server's max_payload (deploy/nats allows 8 MB):
 * readers pull many at a time, and nats.js 3.4 lost 8 MB snapshot parts pulled 100 at a time
 * (measured: 3 of 17 delivered, then nothing), where 1 MB ones under a byte limit flow.
 */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Delta lines written before the first snapshot; after it, as many as the last snapshot held (at least this). */
const COMPACT_AFTER_LINES = 100_000;
/**
 * A compaction starts this long after the last one at the earliest: a table loaded at line rate
 * (1M routes in ten seconds) is snapshotted once, not at 100k, 200k, 400k and 800k entries (a
 * million and a half entries written again, more than the load itself).
 */
const COMPACT_EVERY_MS = 30_000;
/** Snapshot parts in flight at once: the parts are made as they go, so a snapshot of a large table never holds up the deltas. */
const SNAPSHOT_WINDOW = 8;

/** The deltas of one Loc-RIB change message for one table, with the id every replica gives them. */
export interface DeltaBatch {
  readonly id: string;
  readonly deltas: readonly TableDelta[];
}

type Log = (line: Record<string, unknown>) => void;

/**
 * Writes one table (table-stream.ts): each batch of deltas as one message (more when it would pass
 * the server's message size), in order (libs/streams publishInOrder: one lost on the way fails
 * those after it instead of letting them land first). Once the lines written since the last
 * snapshot reach what that snapshot held (at least `compactAfter`), a snapshot is made beside the
 * deltas, which go on meanwhile: the table as the writer holds it is written to the snapshot
 * stream, and what only the previous snapshot still needs is purged from both streams; at most
 * one every `compactEveryMs`, a compaction due sooner waiting for its time.
 *
 * The writer holds the table it wrote (read from the streams at open), so a snapshot does not
 * read a million entries back from the server first. What it holds is the stream's table only
 * while each append stored exactly its own messages after the last: when another writer's
 * message came between (a replica's rebuild) or a publish failed, it reads the table again
 * before its next append. A reader thus has a whole
 * snapshot interval of slack before it must load a snapshot again, and the work of compacting
 * stays proportional to what was written.
 */
export class TableWriter {
  readonly #nc: NatsConnection;
  readonly #table: string;
  readonly #maxBytes: number;
  readonly #compactAfter: number;
  readonly #compactEveryMs: number;
  #lastCompaction = -Infinity;
  #compactionTimer: NodeJS.Timeout | undefined;
  readonly #log: Log;
  #tail: SubjectTail;
  /** The table through `#tail` (key → value), or undefined: to be read from the streams again. */
  #held: Map<string, string> | undefined;
  #sinceSnapshot = 0;
  #latest: Snapshot | undefined;
  #compacting: Promise<void> | undefined;

  private constructor(nc: NatsConnection, table: string, tail: SubjectTail, latest: Snapshot | undefined, options: { readonly compactAfter?: number; readonly compactEveryMs?: number; readonly log: Log }) {
    this.#nc = nc;
    this.#table = table;
    this.#tail = tail;
    this.#latest = latest;
    this.#compactAfter = options.compactAfter ?? COMPACT_AFTER_LINES;
    this.#compactEveryMs = options.compactEveryMs ?? COMPACT_EVERY_MS;
    this.#log = options.log;
    this.#maxBytes = Math.min(MAX_MESSAGE_BYTES, messageRoom(nc));
  }

  /** Creates the table's streams if they are missing (and checks them), and finds where its deltas end. */
  static async open(nc: NatsConnection, table: string, options: { readonly replicas?: number; readonly compactAfter?: number; readonly compactEveryMs?: number; readonly log: Log }): Promise<TableWriter> {
    const replicas = options.replicas ?? 1;
    await ensureStream(nc, { name: tableStream(table), subjects: [tableSubject(table, 'd')], duplicateWindowMs: DUPLICATE_WINDOW_MS, replicas });
    await ensureStream(nc, { name: snapshotStream(table), subjects: [tableSubject(table, 's'), tableSubject(table, 'e')], duplicateWindowMs: DUPLICATE_WINDOW_MS, replicas });
    return new TableWriter(nc, table, { seq: 0 }, await latestSnapshot(nc, table), options);
  }

  /** The table and where its deltas end, read from the streams. */
  async #read(): Promise<Map<string, string>> {
    const { entries, revision } = await readTableAt(this.#nc, this.#table);
    this.#tail = { seq: revision };
    return (this.#held = entries);
  }

  /** Appends the batches in order; a batch with no deltas writes nothing. Returns the lines written. */
  async append(batches: readonly DeltaBatch[]): Promise<number> {
    const messages: OrderedMessage[] = [];
    let lines = 0;
    for (const { id, deltas } of batches) {
      const parts = this.#cutDeltas(deltas);
      parts.forEach((part, i) => messages.push({ data: encodeTableLines(part), msgId: parts.length === 1 ? id : `${id}.${i}/${parts.length}` }));
      lines += deltas.length;
    }
    if (messages.length === 0) return 0;
    const held = this.#held ?? (await this.#read());
    const before = this.#tail;
    try {
      this.#tail = await publishInOrder(publisherFor(this.#nc), tableSubject(this.#table, 'd'), messages, before, { log: this.#log });
    } catch (error) {
      // The batch is done again from the exporter's position, after the table is read again: from where the stream really ends (an ack lost, a message stored unseen).
      this.#held = undefined;
      throw error;
    }
    // Stored right after the last, each ours (or, from a replica, the same message under the same id): the table is what was held and these.
    if (this.#tail.seq - before.seq === messages.length) for (const { deltas } of batches) for (const { key, value } of deltas) value === undefined ? held.delete(key) : held.set(key, value);
    else this.#held = undefined;
    this.#sinceSnapshot += lines;
    this.#compactWhenDue();
    return lines;
  }

  /** Starts a compaction once enough lines were written since the last snapshot, and its time has come (else when it comes). */
  #compactWhenDue(): void {
    // Not while another runs or waits, nor before the table is held again (an append reads it first).
    if (this.#compacting !== undefined || this.#compactionTimer !== undefined || this.#held === undefined) return;
    if (this.#sinceSnapshot < Math.max(this.#compactAfter, this.#latest?.entries ?? 0)) return;
    const wait = this.#lastCompaction + this.#compactEveryMs - Date.now();
    if (wait > 0) {
      this.#compactionTimer = setTimeout(() => {
        this.#compactionTimer = undefined;
        this.#compactWhenDue();
      }, wait);
      // A compaction is upkeep: it keeps no process running.
      this.#compactionTimer.unref();
      return;
    }
    this.#lastCompaction = Date.now();
    this.#compacting = this.compact()
      .catch((error: Error) => this.#log({ level: 'warn', msg: 'table compaction failed; tried again after more deltas', table: this.#table, error: error.message }))
      .finally(() => (this.#compacting = undefined));
  }

  /**
   * Writes the table as it stands as a snapshot, then purges what only the previous snapshot
   * needed: its parts and the deltas it does not include.
   */
  async compact(): Promise<void> {
    this.#sinceSnapshot = 0;
    const held = this.#held ?? (await this.#read());
    // The table now, as it stands after the last append: appends go on while its parts are written.
    const revision = this.#tail.seq;
    const keys = [...held.keys()];
    const values = [...held.values()];
    const id = `snap-${revision}`;
    const publisher = publisherFor(this.#nc);
    const withId = () => {
      const h = headers();
      h.set(SNAPSHOT_HEADER, id);
      return h;
    };
    const parts = this.#cut(keys.length, (i) => lineBytes({ key: keys[i]!, value: values[i] }));
    // The parts in any order, but all stored before the end that makes them the latest snapshot.
    const seqs: number[] = [];
    const inFlight = new Set<Promise<void>>();
    for (const [i, [from, to]] of parts.entries()) {
      const lines = Array.from({ length: to - from }, (_, j) => ({ key: keys[from + j]!, value: values[from + j] }));
      const stored: Promise<void> = publisher.publish(tableSubject(this.#table, 's'), encodeTableLines(lines), { msgId: `${id}-${i}`, headers: withId() }).then((ack) => void seqs.push(ack.seq));
      inFlight.add(stored);
      void stored.finally(() => inFlight.delete(stored)).catch(() => undefined);
      if (inFlight.size >= SNAPSHOT_WINDOW) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const end: SnapshotEnd = { first: seqs.length === 0 ? 0 : Math.min(...seqs), deltasThrough: revision, entries: keys.length };
    const stored = await publisher.publish(tableSubject(this.#table, 'e'), JSON.stringify(end), { msgId: `${id}-end`, headers: withId() });
    const previous = this.#latest;
    this.#latest = { ...end, seq: stored.seq, id };
    if (previous !== undefined) {
      await purgeBelow(this.#nc, snapshotStream(this.#table), previous.first || previous.seq);
      await purgeBelow(this.#nc, tableStream(this.#table), previous.deltasThrough + 1);
    }
    this.#log({ level: 'info', msg: 'table compacted', table: this.#table, entries: keys.length, throughDelta: revision });
  }

  /** Waits for a compaction under way; one waiting for its time is not made. */
  async close(): Promise<void> {
    clearTimeout(this.#compactionTimer);
    this.#compactionTimer = undefined;
    await this.#compacting;
  }

  /**
   * Deltas in runs that each fit one message. A route's key of an older layout going and its key
   * of this one coming (a table rebuilt under new keys) stay in one message: a reader keeping
   * routes by what keys name would otherwise lack the route between the two.
   */
  #cutDeltas(deltas: readonly TableDelta[]): (readonly TableDelta[])[] {
    const rekeyed = (i: number) => deltas[i - 1]!.value === undefined && deltas[i]!.value !== undefined && deltas[i - 1]!.key !== deltas[i]!.key && canonicalKey(deltas[i - 1]!.key) === deltas[i]!.key;
    return this.#cut(deltas.length, (i) => lineBytes(deltas[i]!), rekeyed).map(([from, to]) => deltas.slice(from, to));
  }

  /** Lines 0…count-1 in runs [from, to) that each fit one message; a line `together` with the one before it is not cut from it. */
  #cut(count: number, bytesOf: (i: number) => number, together: (i: number) => boolean = () => false): [number, number][] {
    const runs: [number, number][] = [];
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const size = bytesOf(i);
      if (i > from && bytes + size > this.#maxBytes) {
        const at = i - 1 > from && together(i) ? i - 1 : i;
        runs.push([from, at]);
        from = at;
        bytes = at < i ? bytesOf(at) : 0;
      }
      bytes += size;
    }
    if (count > from) runs.push([from, count]);
    return runs;
  }
}

/**
 * Purges a stream's messages before `seq`. Asked to purge below the sequence of its first message
 * (nothing to purge), nats-server 2.9.10 purged the whole stream (measured), so that is never asked.
 */
async function purgeBelow(nc: NatsConnection, stream: string, seq: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  if (seq > (await jsm.streams.info(stream)).state.first_seq) await jsm.streams.purge(stream, { seq });
}
