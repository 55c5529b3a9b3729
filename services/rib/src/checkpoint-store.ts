import Database from 'better-sqlite3';
import { routeKey, type LocRibSnapshot, type RibRoute, type StoreOp } from '#libs/rib';

/** What a checkpoint records besides the routes: where the projection stands. */
export interface CheckpointMeta {
  readonly localAd: string;
  readonly now: number;
  readonly lastSeq: number;
  readonly loopsDropped: number;
}

/**
 * The RIB projection's checkpoint in SQLite (design.md property 3): the Adj-RIB-In, stale marks
 * and the last applied log sequence, changed by the store operations of each batch in one
 * transaction, so the routes and the sequence they reflect can never disagree. WAL with
 * synchronous FULL: once `save` returns, the batch survives kill -9 and power loss; the stored
 * sequence is where the RIB reads on from.
 */
export class CheckpointStore {
  readonly #db: Database.Database;
  readonly #save: (ops: readonly StoreOp[], meta: CheckpointMeta) => void;

  private constructor(db: Database.Database) {
    this.#db = db;
    const put = db.prepare('INSERT OR REPLACE INTO routes (neighbor, key, route) VALUES (?, ?, ?)');
    const del = db.prepare('DELETE FROM routes WHERE neighbor = ? AND key = ?');
    const stale = db.prepare('INSERT OR REPLACE INTO stale (neighbor, until, down_seq) VALUES (?, ?, ?)');
    const unstale = db.prepare('DELETE FROM stale WHERE neighbor = ? AND down_seq = ?');
    const meta = db.prepare('INSERT OR REPLACE INTO meta (id, local_ad, now, last_seq, loops_dropped) VALUES (1, ?, ?, ?, ?)');
    this.#save = db.transaction((ops: readonly StoreOp[], m: CheckpointMeta) => {
      for (const op of ops) {
        switch (op.op) {
          case 'put':
            put.run(op.route.neighbor, routeKey(op.route.pattern, op.route.validFrom), JSON.stringify(op.route));
            break;
          case 'delete':
            del.run(op.neighbor, op.key);
            break;
          case 'stale':
            stale.run(op.neighbor, op.until, op.downSeq);
            break;
          case 'unstale':
            unstale.run(op.neighbor, op.downSeq);
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
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS routes (neighbor TEXT NOT NULL, key TEXT NOT NULL, route TEXT NOT NULL, PRIMARY KEY (neighbor, key));
      CREATE TABLE IF NOT EXISTS stale (neighbor TEXT NOT NULL, until INTEGER NOT NULL, down_seq INTEGER NOT NULL, PRIMARY KEY (neighbor, down_seq));
      CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), local_ad TEXT NOT NULL, now INTEGER NOT NULL, last_seq INTEGER NOT NULL, loops_dropped INTEGER NOT NULL);
    `);
    return new CheckpointStore(db);
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
    const routes = (this.#db.prepare('SELECT route FROM routes ORDER BY neighbor, key').all() as { route: string }[]).map((r) => JSON.parse(r.route) as RibRoute);
    const stale = (this.#db.prepare('SELECT neighbor, until, down_seq FROM stale ORDER BY neighbor, down_seq').all() as { neighbor: string; until: number; down_seq: number }[]).map(
      (s) => [s.neighbor, s.until, s.down_seq] as const,
    );
    return { v: 1, localAd: meta.local_ad, now: meta.now, lastSeq: meta.last_seq, loopsDropped: meta.loops_dropped, routes, stale };
  }

  close(): void {
    this.#db.close();
  }
}
