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
 * The layout this code reads and writes (SQLite user_version), and the older ones it upgrades when
 * it opens them, each step in one transaction:
 * - 3 → 5 and 4 → 6: route patterns rewritten in draft -01's text (`ipn:100.1` → `ipn:100.1.*`), as
 *   the log's readers read old patterns (libs/events rib-log.ts);
 * - 5 → 7 and 6 → 8: the routes move from a table of one row per route into their advertisement's
 *   row (the patterns it still gives a route), which a full table makes a thousand rows instead of
 *   a million, and a session loss a thousand deletes.
 * The odd layouts say the change stream lacks the intervals that had not begun (before issue 15):
 * its RIB publishes its future intervals once (rib-runner.ts) before it is marked even.
 */
const SCHEMA_VERSION = 8;
const TIMELINES_UNPUBLISHED = 7;
const UPGRADES: ReadonlyMap<number, { readonly to: number; readonly step: (db: Database.Database) => void }> = new Map([
  [3, { to: 5, step: rewritePatterns }],
  [4, { to: 6, step: rewritePatterns }],
  [5, { to: 7, step: routesIntoAdvertisements }],
  [6, { to: 8, step: routesIntoAdvertisements }],
]);

function rewritePatterns(db: Database.Database): void {
  db.function('current_pattern_text', { deterministic: true }, (text: unknown) => currentPatternText(String(text)));
  db.exec('UPDATE routes SET pattern = current_pattern_text(pattern)');
}

function routesIntoAdvertisements(db: Database.Database): void {
  db.exec(`
    ALTER TABLE advertisements ADD COLUMN patterns TEXT NOT NULL DEFAULT '[]';
    UPDATE advertisements SET patterns = (SELECT json_group_array(pattern) FROM routes WHERE routes.seq = advertisements.seq AND routes.idx = advertisements.idx);
    DROP TABLE routes;
  `);
}

/**
 * The RIB projection's checkpoint in SQLite (design.md property 3): the advertisements held, each
 * with the patterns it gives a route, stale marks, each neighbor's current session and the last
 * applied log sequence, changed by the store operations of each batch in one transaction, so the
 * routes and the sequence they reflect can never disagree. WAL with synchronous NORMAL: once
 * `save` returns, the batch survives kill -9 (it is in the WAL, in the OS's cache); a power loss
 * may take the last batches back, and the RIB then reads on from an earlier sequence, which the
 * log still holds (docs/spec-notes.md, the RIB loop). The stored sequence is where the RIB reads
 * on from. An advertisement is one row for all its patterns: a batch rewrites the row of each
 * advertisement whose routes it changed, once.
 */
export class CheckpointStore {
  readonly #db: Database.Database;
  readonly #save: (ops: readonly StoreOp[], meta: CheckpointMeta) => void;
  /** Read once at open: the RIB asks after every batch, and only this store changes it. */
  #timelinesUnpublished: boolean;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#timelinesUnpublished = db.pragma('user_version', { simple: true }) === TIMELINES_UNPUBLISHED;
    const write = db.prepare('INSERT OR REPLACE INTO advertisements (seq, idx, advertisement, patterns) VALUES (?, ?, ?, ?)');
    const patternsOf = db.prepare('SELECT patterns FROM advertisements WHERE seq = ? AND idx = ?').pluck();
    const setPatterns = db.prepare('UPDATE advertisements SET patterns = ? WHERE seq = ? AND idx = ?');
    const drop = db.prepare('DELETE FROM advertisements WHERE seq = ? AND idx = ?');
    const stale = db.prepare('INSERT OR REPLACE INTO stale (neighbor, until, down_seq) VALUES (?, ?, ?)');
    const unstale = db.prepare('DELETE FROM stale WHERE neighbor = ? AND down_seq = ?');
    const session = db.prepare('INSERT OR REPLACE INTO sessions (neighbor, session, since) VALUES (?, ?, ?)');
    const meta = db.prepare('INSERT OR REPLACE INTO meta (id, local_ad, now, last_seq, loops_dropped) VALUES (1, ?, ?, ?, ?)');
    this.#save = db.transaction((ops: readonly StoreOp[], m: CheckpointMeta) => {
      // What the batch did to each advertisement's row: the row is written once, at the end. A row
      // the batch made holds its patterns here; an older one gets the batch's puts and deletes, in order.
      const rows = new Map<RibAdvertisement, { dropped: boolean; patterns: Set<string> | undefined; changes: [put: boolean, pattern: string][] }>();
      const rowOf = (a: RibAdvertisement) => {
        let row = rows.get(a);
        if (row === undefined) rows.set(a, (row = { dropped: false, patterns: undefined, changes: [] }));
        return row;
      };
      for (const op of ops) {
        switch (op.op) {
          case 'advertisement':
            rows.set(op.advertisement, { dropped: false, patterns: new Set(), changes: [] });
            break;
          case 'drop-advertisement':
            rowOf(op.advertisement).dropped = true;
            break;
          case 'put':
          case 'delete': {
            const row = rowOf(op.advertisement);
            if (row.patterns === undefined) row.changes.push([op.op === 'put', op.pattern]);
            else if (op.op === 'put') row.patterns.add(op.pattern);
            else row.patterns.delete(op.pattern);
            break;
          }
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
      for (const [a, row] of rows) {
        if (row.dropped) {
          drop.run(a.receivedSeq, a.index);
        } else if (row.patterns !== undefined) {
          write.run(a.receivedSeq, a.index, JSON.stringify(a), JSON.stringify([...row.patterns]));
        } else {
          const held = new Set(JSON.parse((patternsOf.get(a.receivedSeq, a.index) as string | undefined) ?? '[]') as string[]);
          for (const [put, pattern] of row.changes) {
            if (put) held.add(pattern);
            else held.delete(pattern);
          }
          setPatterns.run(JSON.stringify([...held]), a.receivedSeq, a.index);
        }
      }
      meta.run(m.localAd, m.now, m.lastSeq, m.loopsDropped);
    });
  }

  static open(path: string): CheckpointStore {
    const db = new Database(path);
    try {
      let version = db.pragma('user_version', { simple: true }) as number;
      const empty = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n === 0;
      if (!empty && version !== SCHEMA_VERSION && version !== TIMELINES_UNPUBLISHED && !UPGRADES.has(version)) {
        throw new Error(`checkpoint ${path} has layout ${version}, this RIB reads layout ${SCHEMA_VERSION}: move it aside and the RIB rebuilds from the log`);
      }
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      if (empty) {
        // The tables and the layout number together: a first start killed half-way leaves no file this refuses.
        db.transaction(() => {
          db.exec(`
          CREATE TABLE advertisements (seq INTEGER NOT NULL, idx INTEGER NOT NULL, advertisement TEXT NOT NULL, patterns TEXT NOT NULL, PRIMARY KEY (seq, idx)) WITHOUT ROWID;
          CREATE TABLE stale (neighbor TEXT NOT NULL, until INTEGER NOT NULL, down_seq INTEGER NOT NULL, PRIMARY KEY (neighbor, down_seq));
          CREATE TABLE sessions (neighbor TEXT PRIMARY KEY, session TEXT NOT NULL, since INTEGER NOT NULL);
          CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), local_ad TEXT NOT NULL, now INTEGER NOT NULL, last_seq INTEGER NOT NULL, loops_dropped INTEGER NOT NULL);
        `);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        })();
      }
      for (let upgrade = UPGRADES.get(version); upgrade !== undefined; upgrade = UPGRADES.get(version)) {
        const { to, step } = upgrade;
        db.transaction(() => {
          step(db);
          db.pragma(`user_version = ${to}`);
        })();
        version = to;
      }
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
    const advertisements: RibAdvertisement[] = [];
    const routes: [string, number, number][] = [];
    for (const [text, patterns] of this.#db.prepare('SELECT advertisement, patterns FROM advertisements').raw().iterate() as Iterable<[string, string]>) {
      const a = JSON.parse(text) as RibAdvertisement;
      advertisements.push(a);
      for (const pattern of JSON.parse(patterns) as string[]) routes.push([pattern, a.receivedSeq, a.index]);
    }
    const stale = this.#db.prepare('SELECT neighbor, until, down_seq FROM stale ORDER BY neighbor, down_seq').raw().all() as [string, number, number][];
    const sessions = this.#db.prepare('SELECT neighbor, session, since FROM sessions ORDER BY neighbor').raw().all() as [string, string, number][];
    return { v: 3, localAd: meta.local_ad, now: meta.now, lastSeq: meta.last_seq, loopsDropped: meta.loops_dropped, advertisements, routes, stale, sessions };
  }

  /** Made before timelines: the change stream lacks the intervals that had not begun (and the FIB and peers with it). */
  get timelinesUnpublished(): boolean {
    return this.#timelinesUnpublished;
  }

  /** The change stream now has every interval: the checkpoint is of this layout from here on. */
  timelinesPublished(): void {
    this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
    this.#timelinesUnpublished = false;
  }

  /** Whether the checkpoint can take a batch: what the RIB's readiness needs besides NATS. */
  get isOpen(): boolean {
    return this.#db.open;
  }

  close(): void {
    this.#db.close();
  }
}
