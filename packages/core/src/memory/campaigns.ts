import { decodeCampaign, encodeCampaign } from '../campaign/codec.ts';
import type { CampaignStore } from '../stores.ts';

/**
 * Campaigns in this process: a campaign runs and can be paused and resumed, but a restarted
 * process starts it afresh. Use @relaykit/sqlite, @relaykit/postgres or @relaykit/redis to resume
 * after a crash.
 */
export function memoryCampaignStore(): CampaignStore {
  // Kept as text, so a caller holding a record cannot change the stored one by mutating it.
  const records = new Map<string, string>();
  return {
    async create(record) {
      const existing = records.get(record.id);
      if (existing !== undefined) return decodeCampaign(existing);
      const text = encodeCampaign(record);
      records.set(record.id, text);
      return decodeCampaign(text);
    },
    async get(id) {
      const text = records.get(id);
      return text === undefined ? undefined : decodeCampaign(text);
    },
    async save(record) {
      records.set(record.id, encodeCampaign(record));
    },
  };
}
