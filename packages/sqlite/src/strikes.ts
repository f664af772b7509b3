import type { StrikeStore } from '@relaykit/core';
import type { SqliteDatabase } from './database.ts';

export function sqliteStrikeStore(db: SqliteDatabase): StrikeStore {
  const add = db.prepare('INSERT OR IGNORE INTO strike (address, event_id, at) VALUES (?, ?, ?)');
  const prune = db.prepare('DELETE FROM strike WHERE address = ? AND at <= ?');
  const count = db.prepare<[string, number, number], { n: number }>(
    'SELECT COUNT(*) AS n FROM strike WHERE address = ? AND at > ? AND at <= ?',
  );
  const clear = db.prepare('DELETE FROM strike WHERE address = ?');
  const strike = db.transaction(
    (address: string, at: number, windowMs: number, eventId: string) => {
      add.run(address, eventId, at);
      prune.run(address, at - windowMs - 366 * 24 * 3_600_000);
      return count.get(address, at - windowMs, at)?.n ?? 0;
    },
  );
  return {
    async strike(address, at, windowMs, eventId) {
      return strike(address.toLowerCase(), at.getTime(), windowMs, eventId);
    },
    async clear(address) {
      clear.run(address.toLowerCase());
    },
  };
}
