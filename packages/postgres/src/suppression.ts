import { type SuppressionEntry, type SuppressionStore } from '@relaykit/core';
import { domainOf, type SuppressionRemoval } from '@relaykit/core/adapter';
import type { Database } from './database.ts';

type Row = Record<string, unknown>;

const date = (value: unknown) => (value instanceof Date ? value : new Date(value as string));

function toEntry(row: Row): SuppressionEntry {
  const entry: SuppressionEntry = {
    address: row['address'] as string,
    reason: row['reason'] as SuppressionEntry['reason'],
    firstSeen: date(row['first_seen']),
    lastSeen: date(row['last_seen']),
  };
  if (row['stream'] !== '') entry.stream = row['stream'] as string;
  if (row['source'] !== null && row['source'] !== undefined)
    entry.source = row['source'] as NonNullable<SuppressionEntry['source']>;
  if (row['expires_at'] !== null && row['expires_at'] !== undefined)
    entry.expiresAt = date(row['expires_at']);
  return entry;
}

/**
 * The suppression list in PostgreSQL. A batch check is one query: the addresses go in as an
 * array and are joined against the primary key, by address and by `@domain`.
 */
export function postgresSuppressionStore(db: Database): SuppressionStore {
  const table = db.table('suppression');
  const removals = db.table('suppression_removal');
  return {
    async check(addresses, options = {}) {
      const found = new Map<string, SuppressionEntry>();
      if (addresses.length === 0) return found;
      const keys = addresses.map((a) => a.toLowerCase());
      const domains = keys.map((k) => `@${domainOf(k)}`);
      // An address-level entry wins over a domain-level one for the same address.
      // Each address is looked up twice by primary key (itself, then its @domain): an equality
      // join the planner answers from the index, where an OR over both would scan the table.
      const { rows } = await db.query(
        `SELECT DISTINCT ON (c.i) c.i, s.*
           FROM (SELECT a.i, a.address AS key, 0 AS rank
                   FROM unnest($1::text[]) WITH ORDINALITY AS a(address, i)
                 UNION ALL
                 SELECT d.i, d.domain, 1
                   FROM unnest($2::text[]) WITH ORDINALITY AS d(domain, i)) c
           JOIN ${table} s ON s.address = c.key AND s.stream IN ('', $3)
          WHERE s.expires_at IS NULL OR s.expires_at > $4
          ORDER BY c.i, c.rank, s.stream DESC`,
        [keys, domains, options.stream ?? '', options.now ?? new Date()],
        keys.length,
      );
      for (const row of rows) found.set(addresses[Number(row['i']) - 1] as string, toEntry(row));
      return found;
    },
    async add(entries) {
      if (entries.length === 0) return;
      // Folded per key first: ON CONFLICT cannot touch one row twice in a statement.
      const byKey = new Map<string, SuppressionEntry>();
      for (const e of entries) {
        const key = `${e.address.toLowerCase()}\u0000${e.stream ?? ''}`;
        const prior = byKey.get(key);
        byKey.set(
          key,
          prior
            ? {
                ...e,
                firstSeen: prior.firstSeen < e.firstSeen ? prior.firstSeen : e.firstSeen,
                lastSeen: prior.lastSeen > e.lastSeen ? prior.lastSeen : e.lastSeen,
              }
            : e,
        );
      }
      const list = [...byKey.values()];
      await db.query(
        `INSERT INTO ${table} (address, stream, reason, source, first_seen, last_seen, expires_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[])
         ON CONFLICT (address, stream) DO UPDATE SET
           reason = excluded.reason, source = excluded.source,
           first_seen = LEAST(${table}.first_seen, excluded.first_seen),
           last_seen = GREATEST(${table}.last_seen, excluded.last_seen),
           expires_at = excluded.expires_at`,
        [
          list.map((e) => e.address.toLowerCase()),
          list.map((e) => e.stream ?? ''),
          list.map((e) => e.reason),
          list.map((e) => (e.source ? JSON.stringify(e.source) : null)),
          list.map((e) => e.firstSeen),
          list.map((e) => e.lastSeen),
          list.map((e) => e.expiresAt ?? null),
        ],
        list.length,
      );
    },
    async remove(address, options) {
      // The delete and its audit record in one statement: both happen or neither.
      const { rowCount } = await db.query(
        `WITH gone AS (DELETE FROM ${table} WHERE address = $1 AND stream = $2 RETURNING *)
         INSERT INTO ${removals} (address, stream, removed_at, removed_by, reason, entry)
         SELECT address, stream, $3, $4, $5, to_jsonb(gone) FROM gone`,
        [
          address.toLowerCase(),
          options.stream ?? '',
          options.now ?? new Date(),
          options.by,
          options.reason,
        ],
      );
      return (rowCount ?? 0) > 0;
    },
    async list(options = {}) {
      const limit = Math.max(1, Math.min(options.limit ?? 100, 10_000));
      const [afterAddress, afterStream] = options.cursor
        ? (JSON.parse(Buffer.from(options.cursor, 'base64url').toString()) as [string, string])
        : ['', ''];
      const { rows } = await db.query(
        `SELECT * FROM ${table}
          WHERE (address, stream) > ($1, $2) AND ($3::text IS NULL OR stream = $3)
            AND (expires_at IS NULL OR expires_at > now())
          ORDER BY address, stream LIMIT $4`,
        [afterAddress, afterStream, options.stream ?? null, limit + 1],
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        entries: page.map(toEntry),
        ...(rows.length > limit && last
          ? {
              cursor: Buffer.from(JSON.stringify([last['address'], last['stream']])).toString(
                'base64url',
              ),
            }
          : {}),
      };
    },
    async removals(options = {}) {
      const { rows } = await db.query(
        `SELECT * FROM ${removals} WHERE ($1 = '' OR address = $1) ORDER BY seq DESC LIMIT $2`,
        [options.address?.toLowerCase() ?? '', options.limit ?? 100],
      );
      return rows.map((r): SuppressionRemoval => {
        const removal: SuppressionRemoval = {
          address: r['address'] as string,
          removedAt: date(r['removed_at']),
          by: r['removed_by'] as string,
          reason: r['reason'] as string,
          entry: toEntry(r['entry'] as Row),
        };
        if (r['stream'] !== '') removal.stream = r['stream'] as string;
        return removal;
      });
    },
  };
}
