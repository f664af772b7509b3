import Database from 'better-sqlite3';
import { RelayError } from '@relaykit/core';
import { migrations } from './migrations.ts';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /**
   * 'full' syncs the WAL on every commit, so an acknowledged write survives a power loss as well
   * as a crash; 'normal' survives a process crash only, and is faster. @default 'full'
   */
  synchronous?: 'full' | 'normal';
  /**
   * How long a store call may wait for a database another connection holds locked (SQLITE_BUSY,
   * SQLITE_LOCKED) before it fails with a typed error naming the store and the file; a batch gets
   * 1 ms more per item. The connection's busy timeout (better-sqlite3's `timeout` option) is set
   * to the same value. better-sqlite3 is synchronous: the wait holds the event loop.
   * @default 2000
   */
  storeTimeoutMs?: number;
}

/** Opens (or adopts) a database in WAL mode and brings its schema up to date. */
export function openDatabase(
  target: string | SqliteDatabase,
  options: OpenOptions = {},
): SqliteDatabase {
  let db: SqliteDatabase;
  const timeout = options.storeTimeoutMs ?? 2000;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new RelayError({
      kind: 'config',
      provider: 'sqlite',
      message: `storeTimeoutMs must be a positive whole number of milliseconds, got ${String(options.storeTimeoutMs)}`,
    });
  }
  try {
    // https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#new-databasepath-options:
    // `timeout` is how long a statement waits on a locked database before SQLITE_BUSY.
    db = typeof target === 'string' ? new Database(target, { timeout }) : target;
  } catch (error) {
    throw new RelayError({
      kind: 'config',
      provider: 'sqlite',
      message: `cannot open ${String(target)}: check the path exists and is writable`,
      cause: error,
    });
  }
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma(`busy_timeout = ${timeout}`);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Applies every migration newer than the database's version, each in its own transaction. */
export function migrate(db: SqliteDatabase): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS relaykit_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const current =
    (db.prepare('SELECT MAX(version) AS v FROM relaykit_migrations').get() as { v: number | null })
      .v ?? 0;
  const latest = migrations.length;
  if (current > latest) {
    throw new RelayError({
      kind: 'config',
      provider: 'sqlite',
      message: `the database is at schema version ${current}, newer than this @relaykit/sqlite (${latest}); upgrade the package`,
    });
  }
  for (let version = current + 1; version <= latest; version += 1) {
    db.transaction(() => {
      db.exec(migrations[version - 1] as string);
      db.prepare('INSERT INTO relaykit_migrations (version, applied_at) VALUES (?, ?)').run(
        version,
        Date.now(),
      );
    })();
  }
  return latest;
}
