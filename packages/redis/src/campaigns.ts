import type { Redis } from 'ioredis';
import type { CampaignRecord, CampaignStore } from '@relaykit/core';
import { decodeCampaign, encodeCampaign } from '@relaykit/core/adapter';
import type { Keys } from './keys.ts';

/**
 * Campaign progress, one string key per campaign holding the record as JSON, so a campaign run
 * again with the same id after a crash (of any process of the fleet) resumes where it stopped.
 * `create` is SET NX (https://redis.io/docs/latest/commands/set/): of many processes creating the
 * same campaign exactly one stores its record, and the others read that one back. The keys do not
 * expire: a finished campaign's record answers a late rerun with its report instead of a resend.
 */
export function redisCampaignStore(redis: Redis, keys: Keys): CampaignStore {
  const get = async (id: string) => {
    const text = await redis.get(keys.campaign(id));
    return text === null ? undefined : decodeCampaign(text);
  };
  const create = async (record: CampaignRecord): Promise<CampaignRecord> => {
    const text = encodeCampaign(record);
    if ((await redis.set(keys.campaign(record.id), text, 'NX')) === 'OK')
      return decodeCampaign(text);
    // Only a delete between the two commands leaves nothing: store this one after all.
    return (await get(record.id)) ?? create(record);
  };
  return {
    create,
    get,
    async save(record) {
      await redis.set(keys.campaign(record.id), encodeCampaign(record));
    },
  };
}
