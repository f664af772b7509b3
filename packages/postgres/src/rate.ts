import type { RateStore } from '@relaykit/core';
import type { Database } from './database.ts';

/**
 * Shared token buckets in PostgreSQL, so every process on every machine holds one limit. The
 * same all-or-nothing GCRA as core's memoryRateStore, in one call of the `rate_take` function the
 * migration creates: one round trip, the bucket rows locked in key order for its duration.
 */
export function postgresRateStore(db: Database): RateStore {
  const take = db.table('rate_take');
  const table = db.table('rate_bucket');
  let takes = 0;
  return {
    async take(buckets, now, maxWaitMs) {
      const limited = buckets.filter((b) => b.ratePerSec < Number.POSITIVE_INFINITY);
      if (limited.some((b) => !(b.ratePerSec > 0)))
        return { granted: false, waitMs: Number.POSITIVE_INFINITY };
      if (limited.length === 0) return { granted: true, waitMs: 0 };
      const { rows } = await db.query(
        `SELECT granted, wait_ms FROM ${take}($1::text[], $2::float8[], $3::float8[], $4::float8[], $5, $6)`,
        [
          limited.map((b) => b.key),
          limited.map((b) => b.cost),
          limited.map((b) => 1000 / b.ratePerSec),
          limited.map((b) => b.burst),
          now,
          maxWaitMs,
        ],
      );
      if (++takes % 1000 === 0)
        await db.query(`DELETE FROM ${table} WHERE tat < $1`, [now]).catch(() => undefined);
      const row = rows[0] ?? {};
      return { granted: row['granted'] === true, waitMs: Number(row['wait_ms'] ?? 0) };
    },
  };
}
