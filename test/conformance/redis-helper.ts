import { randomBytes } from 'node:crypto';
import { redisStores, type RedisStores } from '@relaykit/redis';

type Redis = RedisStores['redis'];

/** The Redis the tests use: REDIS_URL or 127.0.0.1:6379. A missing Redis fails the run, never skips it. */
export const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(label = 't'): string {
  return `relaykit-test:${label}:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS: the Redis may be shared). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(
      cursor,
      'MATCH',
      `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      'COUNT',
      1000,
    );
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== '0');
}

/** A client for setup and cleanup; throws (fails the suite) when Redis cannot be reached. */
export async function requireRedis(): Promise<{ redis: Redis; close: () => Promise<void> }> {
  const stores = redisStores(redisUrl, { prefix: uniquePrefix('admin') });
  try {
    await stores.ready();
  } catch (error) {
    await stores.close().catch(() => undefined);
    throw new Error(
      `These tests need Redis (set REDIS_URL): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { redis: stores.redis, close: () => stores.close() };
}
