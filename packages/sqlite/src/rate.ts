import type { RateStore } from '@relaykit/core';
import type { RateBucket } from '@relaykit/core/adapter';
import type { SqliteDatabase } from './database.ts';

/**
 * Shared token buckets in SQLite, so worker processes on one machine hold one limit. The same
 * all-or-nothing GCRA as core's memoryRateStore, inside one write transaction.
 */
export function sqliteRateStore(db: SqliteDatabase): RateStore {
  const read = db.prepare<[string], { tat: number }>('SELECT tat FROM rate_bucket WHERE key = ?');
  const write = db.prepare(
    'INSERT INTO rate_bucket (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat',
  );
  const sweep = db.prepare('DELETE FROM rate_bucket WHERE tat < ?');
  let takes = 0;
  const take = db.transaction((buckets: readonly RateBucket[], now: number, maxWaitMs: number) => {
    let wait = 0;
    const next: Array<number | undefined> = [];
    for (const b of buckets) {
      if (!(b.ratePerSec < Number.POSITIVE_INFINITY)) {
        next.push(undefined);
        continue;
      }
      if (!(b.ratePerSec > 0)) return { granted: false, waitMs: Number.POSITIVE_INFINITY };
      const interval = 1000 / b.ratePerSec;
      const tat = read.get(b.key)?.tat ?? now;
      const after = Math.max(tat, now) + b.cost * interval;
      next.push(after);
      wait = Math.max(wait, after - Math.max(1, b.burst) * interval - now);
    }
    if (wait > maxWaitMs) return { granted: false, waitMs: Math.ceil(wait) };
    buckets.forEach((b, i) => {
      const after = next[i];
      if (after !== undefined) write.run(b.key, after);
    });
    if (++takes % 1000 === 0) sweep.run(now);
    return { granted: true, waitMs: Math.max(0, Math.ceil(wait)) };
  });
  return {
    take: (buckets, now, maxWaitMs) => take.immediate(buckets, now, maxWaitMs),
  };
}
