import Database from 'better-sqlite3';
import { currentPatternText } from '#libs/eid';
import type { LocRibSnapshot, RibAdvertisement, StoreOp } from '#libs/rib';

/** What a checkpoint records besides the routes: where the projection stands. */
export interface CheckpointMeta {
  readonly localAd: string;
  readonly now: number;
  readonly lastSeq: number;
  readonly loopsDropped: number;
}

/**
 * The layout this code reads and writes (SQLite user_version). Layouts 3 to 6 have the same
 * tables. Layout 4 says the change stream has every interval of the timelines (issue 15): a
 * checkpoint of layout 3 is read, and its RIB publishes its future intervals once (rib-runner.ts)
 * before it is marked 4. Layouts 5 and 6 are 3 and 4 with route patterns in draft -01's text
 * (`ipn:100.1.*`, not `ipn:100.1`): older checkpoints have theirs rewritten when opened, as the
 * log's readers read old patterns (libs/events rib-log.ts).
 */
const SCHEMA_VERSION = 6;
const TIMELINES_UNPUBLISHED = 5;
const PATTERNS_00 = new Map([
  [3, TIMELINES_UNPUBLISHED],
  [4, SCHEMA_VERSION],
]);

/**
 * The RIB projection's checkpoint in SQLite (design.md property 3): the advertisements held, the
 * routes (pattern → advertisement), stale marks, each neighbor's current session and the last
 * applied log sequence, changed by the
 * store operations of each batch in one transaction, so the routes and the sequence they reflect
 * can never disagree. WAL with synchronous NORMAL: once `save` returns, the batch survives kill -9
 * (it is in the WAL, in the OS's cache); a power loss may take the last batches back, and the RIB
 * then reads on from an earlier sequence, which the log still holds (docs/spec-notes.md, the RIB
 * loop). The stored sequence is where the RIB reads on from. An advertisement is one row
 * for all its patterns; a route row is its pattern and the advertisement's id.
 */
export class CheckpointStore {
  readonly #db: Database.Database;
  readonly #save: (ops: readonly StoreOp[], meta: CheckpointMeta) => void;

  private constructor(db: Database.Database) {
    this.#db = db;
    const advertisement = db.prepare('INSERT OR REPLACE INTO advertisements (seq, idx, advertisement) VALUES (?, ?, ?)');
    const dropAdvertisement = db.prepare('DELETE FROM advertisements WHERE seq = ? AND idx = ?');
    const put = db.prepare('INSERT OR REPLACE INTO routes (pattern, seq, idx) VALUES (?, ?, ?)');
    const del = db.prepare('DELETE FROM routes WHERE pattern = ? AND seq = ? AND idx = ?');
    const stale = db.prepare('INSERT OR REPLACE INTO stale (neighbor, until, down_seq) VALUES (?, ?, ?)');
    const unstale = db.prepare('DELETE FROM stale WHERE neighbor = ? AND down_seq = ?');
    const session = db.prepare('INSERT OR REPLACE INTO sessions (neighbor, session, since) VALUES (?, ?, ?)');
    const meta = db.prepare('INSERT OR REPLACE INTO meta (id, local_ad, now, last_seq, loops_dropped) VALUES (1, ?, ?, ?, ?)');
    this.#save = db.transaction((ops: readonly StoreOp[], m: CheckpointMeta) => {
      for (const op of ops) {
        switch (op.op) {
          case 'advertisement':
            advertisement.run(op.advertisement.receivedSeq, op.advertisement.index, JSON.stringify(op.advertisement));
            break;
          case 'drop-advertisement':
            dropAdvertisement.run(op.advertisement.receivedSeq, op.advertisement.index);
            break;
          case 'put':
            put.run(op.pattern, op.advertisement.receivedSeq, op.advertisement.index);
            break;
          case 'delete':
            del.run(op.pattern, op.advertisement.receivedSeq, op.advertisement.index);
            break;
          case 'stale':
            stale.run(op.neighbor, op.until, op.downSeq);
            break;
          case 'unstale':
            unstale.run(op.neighbor, op.downSeq);
            break;
          case 'session':
            session.run(op.neighbor, op.session, op.since);
            break;
          default:
            op satisfies never;
        }
      }
      meta.run(m.localAd, m.now, m.lastSeq, m.loopsDropped);
    });
  }

  static open(path: string): CheckpointStore {
    const db = new Database(path);
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      const empty = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n === 0;
      if (!empty && version !== SCHEMA_VERSION && version !== TIMELINES_UNPUBLISHED && !PATTERNS_00.has(version)) {
        throw new Error(`checkpoint ${path} has layout ${version}, this RIB reads layout ${SCHEMA_VERSION}: move it aside and the RIB rebuilds from the log`);
      }
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // The tables and the layout number together: a first start killed half-way leaves no file this refuses.
      db.transaction(() => {
        db.exec(`
        CREATE TABLE IF NOT EXISTS advertisements (seq INTEGER NOT NULL, idx INTEGER NOT NULL, advertisement TEXT NOT NULL, PRIMARY KEY (seq, idx)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS routes (pattern TEXT NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (pattern, seq, idx)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stale (neighbor TEXT NOT NULL, until INTEGER NOT NULL, down_seq INTEGER NOT NULL, PRIMARY KEY (neighbor, down_seq));
        CREATE TABLE IF NOT EXISTS sessions (neighbor TEXT PRIMARY KEY, session TEXT NOT NULL, since INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), local_ad TEXT NOT NULL, now INTEGER NOT NULL, last_seq INTEGER NOT NULL, loops_dropped INTEGER NOT NULL);
      `);
        if (empty) db.pragma(`user_version = ${SCHEMA_VERSION}`);
        const upgraded = PATTERNS_00.get(version);
        if (!empty && upgraded !== undefined) {
          db.function('current_pattern_text', { deterministic: true }, (text: unknown) => currentPatternText(String(text)));
          db.exec('UPDATE routes SET pattern = current_pattern_text(pattern)');
          db.pragma(`user_version = ${upgraded}`);
        }
      })();
      return new CheckpointStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** One batch: its store operations and where the projection stands after it, atomically. */
  save(ops: readonly StoreOp[], meta: CheckpointMeta): void {
    this.#save(ops, meta);
  }

  /** The last checkpoint, or undefined for a new store. */
  load(): LocRibSnapshot | undefined {
    const meta = this.#db.prepare('SELECT local_ad, now, last_seq, loops_dropped FROM meta WHERE id = 1').get() as
      | { local_ad: string; now: number; last_seq: number; loops_dropped: number }
      | undefined;
    if (meta === undefined) return undefined;
    const advertisements = (this.#db.prepare('SELECT advertisement FROM advertisements').pluck().all() as string[]).map((text) => JSON.parse(text) as RibAdvertisement);
    const routes = this.#db.prepare('SELECT pattern, seq, idx FROM routes').raw().all() as [string, number, number][];
    const stale = this.#db.prepare('SELECT neighbor, until, down_seq FROM stale ORDER BY neighbor, down_seq').raw().all() as [string, number, number][];
    const sessions = this.#db.prepare('SELECT neighbor, session, since FROM sessions ORDER BY neighbor').raw().all() as [string, string, number][];
    return { v: 3, localAd: meta.local_ad, now: meta.now, lastSeq: meta.last_seq, loopsDropped: meta.loops_dropped, advertisements, routes, stale, sessions };
  }

  /** Made before timelines: the change stream lacks the intervals that had not begun (and the FIB and peers with it). */
  get timelinesUnpublished(): boolean {
    return this.#db.pragma('user_version', { simple: true }) === TIMELINES_UNPUBLISHED;
  }

  /** The change stream now has every interval: the checkpoint is of this layout from here on. */
  timelinesPublished(): void {
    this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  /** Whether the checkpoint can take a batch: what the RIB's readiness needs besides NATS. */
  get isOpen(): boolean {
    return this.#db.open;
  }

  close(): void {
    this.#db.close();
  }
}
