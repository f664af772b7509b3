import type { Redis } from 'ioredis';
import type { RateStore } from '@relaykit/core';
import type { RateBucket, RateGrant } from '@relaykit/core/adapter';
import type { Keys } from './keys.ts';
import { script } from './script.ts';
import { takeScript } from './scripts/rate.ts';

const take = script(takeScript);
const grantedNow: RateGrant = Object.freeze({ granted: true, waitMs: 0 });

/**
 * Shared token buckets: every process sending through one Redis draws from the same buckets, so
 * a limit holds for the fleet. One script takes from all the buckets a send needs or from none.
 * `now` comes from the caller, as in every RateStore: keep the fleet's clocks in sync (NTP); a
 * skew of s ms shifts a bucket by s ms, it does not multiply the rate.
 */
export function redisRateStore(redis: Redis, keys: Keys): RateStore {
  return {
    async take(buckets, now, maxWaitMs) {
      const limited: RateBucket[] = [];
      for (const b of buckets) {
        if (!(b.ratePerSec < Number.POSITIVE_INFINITY)) continue;
        if (!(b.ratePerSec > 0)) return { granted: false, waitMs: Number.POSITIVE_INFINITY };
        limited.push(b);
      }
      if (limited.length === 0) return grantedNow;
      const args: Array<string | number> = [
        now,
        Number.isFinite(maxWaitMs) ? maxWaitMs : Number.MAX_SAFE_INTEGER,
      ];
      for (const b of limited) args.push(b.cost, b.ratePerSec, b.burst);
      const [granted, waitMs] = (await take.run(
        redis,
        limited.map((b) => keys.rate(b.key)),
        args,
      )) as [number, string];
      const wait = Math.max(0, Number(waitMs));
      return granted === 1
        ? wait === 0
          ? grantedNow
          : { granted: true, waitMs: wait }
        : { granted: false, waitMs: wait };
    },
  };
}
