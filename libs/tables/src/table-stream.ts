import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import type { TableDelta } from './table-delta.ts';

/**
 * A table's two streams (README, "Streams"), the table being `<prefix>-<target>`: `TABLE_<table>`
 * holds its deltas, batches in order on `table.<table>.d`, and nothing else, so that a sequence
 * that jumps can only be a purge; `TABLESNAP_<table>` holds its snapshots, the parts on
 * `table.<table>.s` and each snapshot's end on `table.<table>.e` (a prefix of its own: named
 * `TABLE_<table>_SNAP`, it would be the delta stream of a gateway named `<target>_SNAP`). Apart, a
 * snapshot is written while deltas go on, and a reader following the deltas never receives a
 * snapshot it does not need.
 */
export const tableStream = (table: string): string => `TABLE_${table}`;
export const snapshotStream = (table: string): string => `TABLESNAP_${table}`;
export const tableSubject = (table: string, part: 'd' | 's' | 'e'): string => `table.${table}.${part}`;

/** On a snapshot's parts and its end: which snapshot they belong to. */
export const SNAPSHOT_HEADER = 'Dpp-Snapshot';

/** A snapshot's end: its first part's sequence in the snapshot stream (0: it has none, the table was empty), the last delta message it includes, and its entries. */
export interface SnapshotEnd {
  readonly first: number;
  readonly deltasThrough: number;
  readonly entries: number;
}

/** A snapshot as its end says, with where that end is and the snapshot's id. */
export type Snapshot = SnapshotEnd & { readonly seq: number; readonly id: string };

/** The latest complete snapshot of a table, or undefined when it has none. */
export async function latestSnapshot(nc: NatsConnection, table: string): Promise<Snapshot | undefined> {
  const end = await (await jetstreamManager(nc)).streams.getMessage(snapshotStream(table), { last_by_subj: tableSubject(table, 'e') });
  return end ? { ...end.json<SnapshotEnd>(), seq: end.seq, id: end.header?.get(SNAPSHOT_HEADER) ?? '' } : undefined;
}

const HEAD = 'dpp-table 2';
/** Messages written before a put could repeat the value before it: read as they are. */
const HEAD_V1 = 'dpp-table 1';
/** A key (libs/tables keyOf; layout 4's too): printable ASCII, at most one space (before a window start); never a tab or a newline. */
const KEY = /^[!-~]+(?: [!-~]+)?$/;

/**
 * The hot-path form of a batch of deltas (or a snapshot part), one line each after a version line:
 * `key<TAB>value` puts, a key alone deletes, and `key<TAB>` puts the value of the put line before
 * it. Values are JSON text, never empty and without a raw newline. A table's entries for the
 * patterns of one advertisement have one value (libs/fib-export FibEntry v2), so a full table is
 * mostly keys. One allocation-light split to read, where a JSON envelope per delta with Schema
 * validation cost a parse and a decode per route.
 */
export function encodeTableLines(deltas: readonly TableDelta[]): string {
  let text = HEAD;
  let previous: string | undefined;
  for (const { key, value } of deltas) {
    // A line `key<TAB>` repeats: an empty value would be read as the one before it.
    if (value === '') throw new Error(`table key ${key}: a table value is never empty`);
    if (value === undefined) text += `\n${key}`;
    else if (value === previous) text += `\n${key}\t`;
    else text += `\n${key}\t${(previous = value)}`;
  }
  return text;
}

/** The size of a delta's line at most (a repeated value takes none), for cutting batches under a message's limit. */
export const lineBytes = (delta: TableDelta): number => delta.key.length + 2 + (delta.value === undefined ? 0 : Buffer.byteLength(delta.value));

/**
 * A delta or snapshot message read back, or why it is not one (a wrong version, a line that is no
 * key, a repeat with no value before it). A repeated value is the same string as the one it
 * repeats, so a reader can tell it is one it has decoded already by identity.
 */
export function decodeTableLines(text: string): Result.Result<TableDelta[], string> {
  const lines = text.split('\n');
  const repeats = lines[0] === HEAD;
  if (!repeats && lines[0] !== HEAD_V1) return Result.fail(`not a table message of version 1 or 2: starts ${JSON.stringify(lines[0]?.slice(0, 40))}`);
  const deltas: TableDelta[] = new Array(lines.length - 1);
  let previous: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const tab = line.indexOf('\t');
    const key = tab < 0 ? line : line.slice(0, tab);
    if (!KEY.test(key)) return Result.fail(`line ${i}: ${JSON.stringify(key.slice(0, 60))} is not a table key`);
    const repeat = repeats && tab >= 0 && tab === line.length - 1;
    if (repeat && previous === undefined) return Result.fail(`line ${i}: repeats the value of a put line before it, and there is none`);
    const value = tab < 0 ? undefined : repeat ? previous : (previous = line.slice(tab + 1));
    deltas[i - 1] = { key, value };
  }
  return Result.succeed(deltas);
}
