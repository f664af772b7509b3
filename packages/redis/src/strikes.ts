import type { Redis } from 'ioredis';
import type { StrikeStore } from '@relaykit/core';
import type { Keys } from './keys.ts';
import { script } from './script.ts';
import { strikeScript } from './scripts/strikes.ts';

const strike = script(strikeScript);

/**
 * Soft-bounce strikes: one sorted set per address, updated and counted in one script so
 * concurrent webhook deliveries cannot both miss each other's strike. Keys expire two windows
 * after their last strike.
 */
export function redisStrikeStore(
  redis: Redis,
  keys: Keys,
  options: { maxPerAddress?: number } = {},
): StrikeStore {
  const keep = options.maxPerAddress ?? 64;
  return {
    async strike(address, at, windowMs, eventId) {
      const reply = await strike.run(
        redis,
        [keys.strikes(address.toLowerCase())],
        [at.getTime(), windowMs, eventId, keep, Math.max(2 * windowMs, 1)],
      );
      return Number(reply);
    },
    async clear(address) {
      await redis.del(keys.strikes(address.toLowerCase()));
    },
  };
}
