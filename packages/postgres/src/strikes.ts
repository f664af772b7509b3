import type { StrikeStore } from '@relaykit/core';
import type { Database } from './database.ts';

/**
 * Soft-bounce strikes in PostgreSQL, counted like core's memory store: the most strikes in any
 * window of `windowMs` that holds the new one, so late events reach the same verdict.
 */
export function postgresStrikeStore(db: Database): StrikeStore {
  const table = db.table('strike');
  let writes = 0;
  return {
    async strike(address, at, windowMs, eventId) {
      const key = address.toLowerCase();
      await db.query(
        `INSERT INTO ${table} (address, event_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [key, eventId, at],
      );
      const window = `${String(windowMs)} milliseconds`;
      const { rows } = await db.query(
        `SELECT COALESCE(MAX((SELECT COUNT(*) FROM ${table} s2
                               WHERE s2.address = s1.address AND s2.at >= s1.at AND s2.at <= s1.at + $3::interval)), 0) AS n
           FROM ${table} s1
          WHERE s1.address = $1 AND s1.at >= $2::timestamptz - $3::interval AND s1.at <= $2`,
        [key, at, window],
      );
      if (++writes % 100 === 0) {
        // Strikes older than a year before any window in use are of no further use.
        await db.query(`DELETE FROM ${table} WHERE address = $1 AND at < $2`, [
          key,
          new Date(at.getTime() - windowMs - 366 * 86_400_000),
        ]);
      }
      return Number(rows[0]?.['n'] ?? 0);
    },
    async clear(address) {
      await db.query(`DELETE FROM ${table} WHERE address = $1`, [address.toLowerCase()]);
    },
  };
}
