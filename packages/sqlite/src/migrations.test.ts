import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { sqliteStores } from './index.ts';
import { migrations } from './migrations.ts';

const dir = mkdtempSync(join(tmpdir(), 'relaykit-sqlite-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('brings a file from before the campaign table up to date, keeping its rows', async () => {
  const file = join(dir, 'v3.db');
  // A file as the release before the campaign table left it: migrations 1 to 3 applied.
  const old = new Database(file);
  old.exec(
    'CREATE TABLE relaykit_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  migrations.slice(0, 3).forEach((sql, i) => {
    old.exec(sql);
    old.prepare('INSERT INTO relaykit_migrations VALUES (?, ?)').run(i + 1, Date.now());
  });
  old
    .prepare(
      "INSERT INTO suppression (address, reason, first_seen, last_seen) VALUES ('a@x.test', 'manual', 1, 1)",
    )
    .run();
  old.close();

  const stores = sqliteStores(file);
  try {
    const versions = stores.db
      .prepare('SELECT version FROM relaykit_migrations ORDER BY version')
      .all() as Array<{ version: number }>;
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4]);
    expect((await stores.suppression.check(['a@x.test'])).size).toBe(1);
    const at = new Date(1_700_000_000_000);
    const record = {
      id: 'spring',
      fingerprint: 'f'.repeat(64),
      size: 1,
      phase: 'releasing' as const,
      cohort: [],
      released: 0,
      createdAt: at,
      updatedAt: at,
    };
    expect(await stores.campaigns.create(record)).toEqual(record);
  } finally {
    stores.close();
  }
});
