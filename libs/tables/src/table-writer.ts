import { headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ensureStream, publisherFor, publishInOrder, type OrderedMessage, type SubjectTail } from '#libs/streams';
import type { TableDelta } from './table-delta.ts';
import { readTableAt } from './table-follower.ts';
import { encodeTableLines, lineBytes, SNAPSHOT_HEADER, tableStream, tableSubject, type SnapshotEnd } from './table-stream.ts';

const KEEP_DUPLICATES_MS = 120_000;
/** The smallest max_payload a NATS server is run with here (its default is 1 MB). */
const MIN_MESSAGE_BYTES = 64 * 1024;
/** Delta lines written before the first snapshot; after it, as many as the last snapshot held (at least this). */
export const COMPACT_AFTER_LINES = 100_000;

/** The deltas of one Loc-RIB change message for one table, with the id every replica gives them. */
export interface DeltaBatch {
  readonly id: string;
  readonly deltas: readonly TableDelta[];
}

/**
 * Writes one table's stream (table-stream.ts): each batch of deltas as one message (more when it
 * would pass the server's message size), in order (libs/streams publishInOrder: one lost on the
 * way fails those after it instead of letting them land first). Once the lines written since
 * the last snapshot reach what that snapshot held (at least `compactAfter`), the table is read
 * back and written as a snapshot, and everything before the previous snapshot is purged: a
 * reader keeps up to two snapshots' worth of deltas of slack before it must load one again, and
 * the work of compacting stays proportional to what was written.
 */
export class TableWriter {
  readonly #nc: NatsConnection;
  readonly #table: string;
  readonly #maxBytes: number;
  readonly #compactAfter: number;
  #tail: SubjectTail;
  #sinceSnapshot = 0;
  #snapshotEntries: number;
  /** Where the latest snapshot's parts begin: the next purge keeps it and everything after. */
  #snapshotFirst: number;

  private constructor(nc: NatsConnection, table: string, tail: SubjectTail, last: (SnapshotEnd & { readonly seq: number }) | undefined, compactAfter: number) {
    this.#nc = nc;
    this.#table = table;
    this.#tail = tail;
    this.#snapshotEntries = last?.entries ?? 0;
    this.#snapshotFirst = last === undefined ? 0 : last.first || last.seq;
    this.#compactAfter = compactAfter;
    this.#maxBytes = Math.max(MIN_MESSAGE_BYTES, (nc.info?.max_payload ?? MIN_MESSAGE_BYTES) - 4_096);
  }

  /** Creates the table's stream if it is missing (and checks it), and finds where its deltas end. */
  static async open(nc: NatsConnection, table: string, options: { readonly replicas?: number; readonly compactAfter?: number } = {}): Promise<TableWriter> {
    const stream = tableStream(table);
    await ensureStream(nc, { name: stream, subjects: [`table.${table}.>`], duplicateWindowMs: KEEP_DUPLICATES_MS, replicas: options.replicas ?? 1 });
    const jsm = await jetstreamManager(nc);
    const last = await jsm.streams.getMessage(stream, { last_by_subj: tableSubject(table, 'd') });
    const end = await jsm.streams.getMessage(stream, { last_by_subj: tableSubject(table, 'e') });
    return new TableWriter(nc, table, { seq: last?.seq ?? 0 }, end ? { ...end.json<SnapshotEnd>(), seq: end.seq } : undefined, options.compactAfter ?? COMPACT_AFTER_LINES);
  }

  /** Appends the batches in order; a batch with no deltas writes nothing. Returns the lines written. */
  async append(batches: readonly DeltaBatch[], log: (line: Record<string, unknown>) => void): Promise<number> {
    const messages: OrderedMessage[] = [];
    let lines = 0;
    for (const { id, deltas } of batches) {
      const parts = this.#cut(deltas);
      parts.forEach((part, i) => messages.push({ data: encodeTableLines(part), msgId: parts.length === 1 ? id : `${id}.${i}/${parts.length}` }));
      lines += deltas.length;
    }
    if (messages.length === 0) return 0;
    this.#tail = await publishInOrder(publisherFor(this.#nc), tableSubject(this.#table, 'd'), messages, this.#tail, {
      onRetry: (error, from) => log({ level: 'warn', msg: 'table deltas publish failed; sending again in order', table: this.#table, from: messages[from]?.msgId, error: error.message }),
    });
    this.#sinceSnapshot += lines;
    if (this.#sinceSnapshot >= Math.max(this.#compactAfter, this.#snapshotEntries)) await this.compact(log);
    return lines;
  }

  /** Writes the table as it stands as a snapshot, then purges what came before the previous one. */
  async compact(log: (line: Record<string, unknown>) => void): Promise<void> {
    const { entries, revision } = await readTableAt(this.#nc, this.#table);
    const id = `snap-${revision}`;
    const publisher = publisherFor(this.#nc);
    const withId = () => {
      const h = headers();
      h.set(SNAPSHOT_HEADER, id);
      return h;
    };
    const parts = this.#cut([...entries].map(([key, value]) => ({ key, value })));
    // The parts in any order, but all stored before the end that makes them the latest snapshot.
    const acks = await Promise.all(parts.map((part, i) => publisher.publish(tableSubject(this.#table, 's'), encodeTableLines(part), { msgId: `${id}-${i}`, headers: withId() })));
    // No parts (an empty table): the snapshot begins at its end.
    const first = acks.length === 0 ? 0 : Math.min(...acks.map((ack) => ack.seq));
    const end: SnapshotEnd = { first, deltasThrough: revision, entries: entries.size };
    const stored = await publisher.publish(tableSubject(this.#table, 'e'), JSON.stringify(end), { msgId: `${id}-end`, headers: withId() });
    if (this.#snapshotFirst > 0) await (await jetstreamManager(this.#nc)).streams.purge(tableStream(this.#table), { seq: this.#snapshotFirst });
    this.#snapshotFirst = first || stored.seq;
    this.#snapshotEntries = entries.size;
    this.#sinceSnapshot = 0;
    log({ level: 'info', msg: 'table compacted', table: this.#table, entries: entries.size, throughDelta: revision });
  }

  /** Deltas in runs that each fit one message. */
  #cut(deltas: readonly TableDelta[]): TableDelta[][] {
    const parts: TableDelta[][] = [];
    let part: TableDelta[] = [];
    let bytes = 0;
    for (const delta of deltas) {
      const size = lineBytes(delta);
      if (part.length > 0 && bytes + size > this.#maxBytes) {
        parts.push(part);
        part = [];
        bytes = 0;
      }
      part.push(delta);
      bytes += size;
    }
    if (part.length > 0) parts.push(part);
    return parts;
  }
}
