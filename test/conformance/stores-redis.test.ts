import { redisStores } from '@relaykit/redis';
import { afterAll, beforeAll } from 'vitest';
import { deleteKeys, redisUrl, requireRedis, uniquePrefix } from './redis-helper.ts';
import { describeStores } from './stores.suite.ts';

let admin: Awaited<ReturnType<typeof requireRedis>>;
beforeAll(async () => {
  admin = await requireRedis();
});
afterAll(() => admin.close());

describeStores('redis', () => {
  // A prefix per test: the queue, the hashes and the buckets of one test never meet another's.
  const prefix = uniquePrefix('stores');
  const stores = redisStores(redisUrl, { prefix });
  return {
    ...stores,
    reopen: () => {
      const again = redisStores(redisUrl, { prefix });
      return { campaigns: again.campaigns, close: () => again.close() };
    },
    cleanup: async () => {
      await stores.close();
      await deleteKeys(admin.redis, prefix);
    },
  };
});
