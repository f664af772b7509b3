import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface Script {
  run(
    redis: Redis,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown>;
}

/**
 * A Lua script run by EVALSHA, falling back to EVAL once when the server does not hold it yet
 * (after a restart or a SCRIPT FLUSH), which also loads it for next time.
 */
export function script(source: string): Script {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
