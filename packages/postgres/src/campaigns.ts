import type { CampaignRecord, CampaignStore } from '@relaykit/core';
import { decodeCampaign, encodeCampaign } from '@relaykit/core/adapter';
import type { Database } from './database.ts';

/**
 * Campaign progress in PostgreSQL, so a campaign run again with the same id after a crash resumes
 * where it stopped. `create` inserts with ON CONFLICT DO NOTHING and, when the id was taken, reads
 * the stored row in a statement of its own, which (READ COMMITTED) sees the row that won.
 */
export function postgresCampaignStore(db: Database): CampaignStore {
  const table = db.table('campaign');
  const get = async (id: string) => {
    const { rows } = await db.query(`SELECT record FROM ${table} WHERE id = $1`, [id]);
    const text = rows[0]?.['record'] as string | undefined;
    return text === undefined ? undefined : decodeCampaign(text);
  };
  const create = async (record: CampaignRecord): Promise<CampaignRecord> => {
    const { rows } = await db.query(
      `INSERT INTO ${table} (id, phase, record, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING RETURNING record`,
      [record.id, record.phase, encodeCampaign(record), record.updatedAt],
    );
    const inserted = rows[0]?.['record'] as string | undefined;
    if (inserted !== undefined) return decodeCampaign(inserted);
    // Only a delete between the two statements leaves nothing: store this one after all.
    return (await get(record.id)) ?? create(record);
  };
  return {
    create,
    get,
    async save(record) {
      await db.query(
        `INSERT INTO ${table} (id, phase, record, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, record = excluded.record, updated_at = excluded.updated_at`,
        [record.id, record.phase, encodeCampaign(record), record.updatedAt],
      );
    },
  };
}
