import type { DedupeStore } from '@relaykit/core';
import type { SqliteDatabase } from './database.ts';

/** Event-id dedupe and webhook replay guard; expired keys are swept as new ones arrive. */
export function sqliteDedupe(
  db: SqliteDatabase,
  options: { now?: () => number } = {},
): DedupeStore {
  const now = options.now ?? Date.now;
  // One statement decides atomically: insert, or take over an expired key, or leave a live one.
  const claim = db.prepare(
    `INSERT INTO dedupe (key, expires_at) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE dedupe.expires_at <= ?`,
  );
  const sweep = db.prepare(
    'DELETE FROM dedupe WHERE key IN (SELECT key FROM dedupe WHERE expires_at <= ? LIMIT 100)',
  );
  const held = db.prepare('SELECT 1 FROM dedupe WHERE key = ? AND expires_at > ?');
  let writes = 0;
  return {
    async has(key) {
      return held.get(key, now()) !== undefined;
    },
    async remember(key, ttlMs) {
      const t = now();
      const changed = claim.run(key, t + ttlMs, t).changes > 0;
      if (changed && ++writes % 100 === 0) sweep.run(t);
      return changed;
    },
  };
}
