import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LocRib, type RibEvent } from '#libs/rib';

/**
 * A checkpoint as a RIB of layout 3, 4 or 6 left it (one row per route in a table of its own),
 * holding what these events give.
 */
export function oldCheckpoint(layout: 3 | 4 | 6, events: readonly RibEvent[], localAd = 'us.example.org', path = join(mkdtempSync(join(tmpdir(), 'dpp-ckpt-')), 'old.sqlite')): string {
  const rib = new LocRib(localAd);
  for (const event of events) rib.apply(event);
  const snapshot = rib.snapshot();
  const db = new Database(path);
  db.exec(`
    CREATE TABLE advertisements (seq INTEGER NOT NULL, idx INTEGER NOT NULL, advertisement TEXT NOT NULL, PRIMARY KEY (seq, idx)) WITHOUT ROWID;
    CREATE TABLE routes (pattern TEXT NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (pattern, seq, idx)) WITHOUT ROWID;
    CREATE TABLE stale (neighbor TEXT NOT NULL, until INTEGER NOT NULL, down_seq INTEGER NOT NULL, PRIMARY KEY (neighbor, down_seq));
    CREATE TABLE sessions (neighbor TEXT PRIMARY KEY, session TEXT NOT NULL, since INTEGER NOT NULL);
    CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), local_ad TEXT NOT NULL, now INTEGER NOT NULL, last_seq INTEGER NOT NULL, loops_dropped INTEGER NOT NULL);
  `);
  for (const a of snapshot.advertisements) db.prepare('INSERT INTO advertisements VALUES (?, ?, ?)').run(a.receivedSeq, a.index, JSON.stringify(a));
  for (const [pattern, seq, idx] of snapshot.routes) db.prepare('INSERT INTO routes VALUES (?, ?, ?)').run(pattern, seq, idx);
  for (const [neighbor, until, downSeq] of snapshot.stale) db.prepare('INSERT INTO stale VALUES (?, ?, ?)').run(neighbor, until, downSeq);
  db.prepare('INSERT INTO meta VALUES (1, ?, ?, ?, ?)').run(snapshot.localAd, snapshot.now, snapshot.lastSeq, snapshot.loopsDropped);
  db.pragma(`user_version = ${layout}`);
  db.close();
  return path;
}
