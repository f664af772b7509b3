import { type SuppressionEntry, type SuppressionStore } from '@relaykit/core';
import { domainOf, type SuppressionRemoval } from '@relaykit/core/adapter';
import type { SqliteDatabase } from './database.ts';

interface Row {
  address: string;
  stream: string;
  reason: SuppressionEntry['reason'];
  source: string | null;
  first_seen: number;
  last_seen: number;
  expires_at: number | null;
}

function toEntry(row: Row): SuppressionEntry {
  const entry: SuppressionEntry = {
    address: row.address,
    reason: row.reason,
    firstSeen: new Date(row.first_seen),
    lastSeen: new Date(row.last_seen),
  };
  if (row.stream !== '') entry.stream = row.stream;
  if (row.source !== null)
    entry.source = JSON.parse(row.source) as NonNullable<SuppressionEntry['source']>;
  if (row.expires_at !== null) entry.expiresAt = new Date(row.expires_at);
  return entry;
}

/** The suppression list in SQLite; checks run as one read transaction over prepared lookups. */
export function sqliteSuppressionStore(db: SqliteDatabase): SuppressionStore {
  const lookup = db.prepare<[string, string, string, number], Row>(
    `SELECT * FROM suppression WHERE address IN (?, ?) AND stream IN ('', ?)
       AND (expires_at IS NULL OR expires_at > ?) LIMIT 1`,
  );
  const upsert = db.prepare(
    `INSERT INTO suppression (address, stream, reason, source, first_seen, last_seen, expires_at)
     VALUES (@address, @stream, @reason, @source, @first_seen, @last_seen, @expires_at)
     ON CONFLICT (address, stream) DO UPDATE SET
       reason = excluded.reason, source = excluded.source,
       first_seen = MIN(first_seen, excluded.first_seen),
       last_seen = MAX(last_seen, excluded.last_seen),
       expires_at = excluded.expires_at`,
  );
  const getOne = db.prepare<[string, string], Row>(
    'SELECT * FROM suppression WHERE address = ? AND stream = ?',
  );
  const deleteOne = db.prepare('DELETE FROM suppression WHERE address = ? AND stream = ?');
  const audit = db.prepare(
    'INSERT INTO suppression_removal (address, stream, removed_at, removed_by, reason, entry) VALUES (?, ?, ?, ?, ?, ?)',
  );

  const check = db.transaction((addresses: readonly string[], stream: string, now: number) => {
    const found = new Map<string, SuppressionEntry>();
    for (const address of addresses) {
      const key = address.toLowerCase();
      const row = lookup.get(key, `@${domainOf(key)}`, stream, now);
      if (row) found.set(address, toEntry(row));
    }
    return found;
  });
  const addAll = db.transaction((entries: readonly SuppressionEntry[]) => {
    for (const e of entries) {
      upsert.run({
        address: e.address.toLowerCase(),
        stream: e.stream ?? '',
        reason: e.reason,
        source: e.source ? JSON.stringify(e.source) : null,
        first_seen: e.firstSeen.getTime(),
        last_seen: e.lastSeen.getTime(),
        expires_at: e.expiresAt?.getTime() ?? null,
      });
    }
  });
  const removeOne = db.transaction(
    (address: string, stream: string, by: string, reason: string, now: number) => {
      const row = getOne.get(address, stream);
      if (!row) return false;
      deleteOne.run(address, stream);
      audit.run(address, stream, now, by, reason, JSON.stringify(row));
      return true;
    },
  );

  return {
    async check(addresses, options = {}) {
      return check(addresses, options.stream ?? '', (options.now ?? new Date()).getTime());
    },
    async add(entries) {
      addAll(entries);
    },
    async remove(address, options) {
      return removeOne(
        address.toLowerCase(),
        options.stream ?? '',
        options.by,
        options.reason,
        (options.now ?? new Date()).getTime(),
      );
    },
    async list(options = {}) {
      const limit = Math.max(1, Math.min(options.limit ?? 100, 10_000));
      const [afterAddress, afterStream] = options.cursor
        ? (JSON.parse(Buffer.from(options.cursor, 'base64url').toString()) as [string, string])
        : ['', ''];
      const rows = db
        .prepare<{ address: string; stream: string; only: string | null; limit: number }, Row>(
          `SELECT * FROM suppression WHERE (address, stream) > (@address, @stream) AND (@only IS NULL OR stream = @only)
           ORDER BY address, stream LIMIT @limit`,
        )
        .all({
          address: afterAddress,
          stream: afterStream,
          only: options.stream ?? null,
          limit: limit + 1,
        });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        entries: page.map(toEntry),
        ...(rows.length > limit && last
          ? {
              cursor: Buffer.from(JSON.stringify([last.address, last.stream])).toString(
                'base64url',
              ),
            }
          : {}),
      };
    },
    async removals(options = {}) {
      const rows = db
        .prepare<
          { address: string; limit: number },
          {
            address: string;
            stream: string;
            removed_at: number;
            removed_by: string;
            reason: string;
            entry: string;
          }
        >(
          `SELECT * FROM suppression_removal WHERE (@address = '' OR address = @address) ORDER BY seq DESC LIMIT @limit`,
        )
        .all({ address: options.address?.toLowerCase() ?? '', limit: options.limit ?? 100 });
      return rows.map((r): SuppressionRemoval => {
        const removal: SuppressionRemoval = {
          address: r.address,
          removedAt: new Date(r.removed_at),
          by: r.removed_by,
          reason: r.reason,
          entry: toEntry(JSON.parse(r.entry) as Row),
        };
        if (r.stream !== '') removal.stream = r.stream;
        return removal;
      });
    },
  };
}
