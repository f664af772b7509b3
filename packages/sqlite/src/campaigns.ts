import type { CampaignStore } from '@relaykit/core';
import { decodeCampaign, encodeCampaign } from '@relaykit/core/adapter';
import type { SqliteDatabase } from './database.ts';

/**
 * Campaign progress in the file, so a campaign run again with the same id after a crash resumes
 * where it stopped. `create` inserts unless the id is there and reads back in one transaction:
 * of two processes creating the same campaign, both get the record that was stored first.
 */
export function sqliteCampaignStore(db: SqliteDatabase): CampaignStore {
  const insert = db.prepare(
    'INSERT INTO campaign (id, phase, record, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const upsert = db.prepare(
    `INSERT INTO campaign (id, phase, record, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, record = excluded.record, updated_at = excluded.updated_at`,
  );
  const read = db.prepare<[string], { record: string }>('SELECT record FROM campaign WHERE id = ?');
  const create = db.transaction((id: string, phase: string, text: string, at: number) => {
    insert.run(id, phase, text, at);
    return (read.get(id) as { record: string }).record;
  });
  return {
    async create(record) {
      const text = create(
        record.id,
        record.phase,
        encodeCampaign(record),
        record.updatedAt.getTime(),
      );
      return decodeCampaign(text);
    },
    async get(id) {
      const row = read.get(id);
      return row === undefined ? undefined : decodeCampaign(row.record);
    },
    async save(record) {
      upsert.run(record.id, record.phase, encodeCampaign(record), record.updatedAt.getTime());
    },
  };
}
