import type { Redis } from 'ioredis';
import type { DedupeStore } from '@relaykit/core';

/**
 * Remembers keys with SET NX PX: one atomic command, so of many processes receiving the same
 * webhook (or replayed token) exactly one is told it is new.
 */
export function redisDedupe(redis: Redis, keyOf: (key: string) => string): DedupeStore {
  return {
    async has(key) {
      return (await redis.exists(keyOf(key))) === 1;
    },
    async remember(key, ttlMs) {
      const reply = await redis.set(keyOf(key), '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
      return reply === 'OK';
    },
  };
}
