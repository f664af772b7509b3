import type { DedupeStore } from '@relaykit/core';
import type { Database } from './database.ts';

/**
 * Event-id dedupe and webhook replay guard. `remember` is one INSERT ... ON CONFLICT that inserts,
 * takes over an expired key, or leaves a live one: of many processes, exactly one is told a key
 * is new. Expiry uses the server's clock, so machines with skewed clocks agree.
 */
export function postgresDedupe(db: Database, namespace = ''): DedupeStore {
  const table = db.table('dedupe');
  let writes = 0;
  return {
    async has(key) {
      const { rows } = await db.query(
        `SELECT 1 FROM ${table} WHERE key = $1 AND expires_at > clock_timestamp()`,
        [namespace + key],
      );
      return rows.length > 0;
    },
    async remember(key, ttlMs) {
      const { rowCount } = await db.query(
        `INSERT INTO ${table} (key, expires_at) VALUES ($1, clock_timestamp() + $2::interval)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
         WHERE ${table}.expires_at <= clock_timestamp()`,
        [namespace + key, `${String(Math.max(1, Math.round(ttlMs)))} milliseconds`],
      );
      if (++writes % 100 === 0) {
        await db.query(
          `DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE expires_at <= clock_timestamp() LIMIT 500)`,
        );
      }
      return (rowCount ?? 0) > 0;
    },
  };
}
