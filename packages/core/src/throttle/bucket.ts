import type { RateBucket, RateGrant, RateStore } from '../stores.ts';

export interface MemoryRateStoreOptions {
  /** Buckets held before full ones are dropped (a full bucket and no bucket are the same). @default 100000 */
  maxKeys?: number;
}

/**
 * GCRA, one bucket: the time it is next empty of debt once `cost` more is taken at `now`, from
 * `tat` (that time as it stood; 0 for a full bucket).
 */
export function debtAfter(tat: number, now: number, cost: number, ratePerSec: number): number {
  return (tat > now ? tat : now) + (cost * 1000) / ratePerSec;
}

/** How long a take that leaves the bucket in debt until `after` must wait (≤ 0: not at all). */
export function waitFor(after: number, now: number, burst: number, ratePerSec: number): number {
  return after - (Math.max(1, burst) * 1000) / ratePerSec - now;
}

/** Handed out for every immediate grant, so the hot path allocates no answer. */
const grantedNow: RateGrant = Object.freeze({ granted: true, waitMs: 0 });

/**
 * The in-process RateStore: GCRA, one number per key (the time the bucket is next empty of debt).
 * Synchronous, so a send that finds tokens costs two Map operations and no promise.
 */
export function memoryRateStore(
  options: MemoryRateStoreOptions = {},
): RateStore & { readonly size: number } {
  const maxKeys = options.maxKeys ?? 100_000;
  const tats = new Map<string, number>();
  // Scratch for multi-bucket takes; `take` never yields, so one array serves every call.
  const next: number[] = [];

  const sweep = (now: number) => {
    for (const [key, tat] of tats) if (tat <= now) tats.delete(key);
    // Every bucket still in debt: forgive the oldest rather than grow without bound.
    for (const key of tats.keys()) {
      if (tats.size <= maxKeys) break;
      tats.delete(key);
    }
  };

  return {
    take(buckets, now, maxWaitMs) {
      let wait = 0;
      for (let i = 0; i < buckets.length; i += 1) {
        const b = buckets[i] as RateBucket;
        if (!(b.ratePerSec < Number.POSITIVE_INFINITY)) {
          next[i] = Number.NaN;
          continue;
        }
        if (!(b.ratePerSec > 0)) return { granted: false, waitMs: Number.POSITIVE_INFINITY };
        const after = debtAfter(tats.get(b.key) ?? now, now, b.cost, b.ratePerSec);
        next[i] = after;
        const w = waitFor(after, now, b.burst, b.ratePerSec);
        if (w > wait) wait = w;
      }
      if (wait > maxWaitMs) return { granted: false, waitMs: Math.ceil(wait) };
      for (let i = 0; i < buckets.length; i += 1) {
        const after = next[i] as number;
        if (!Number.isNaN(after)) tats.set((buckets[i] as RateBucket).key, after);
      }
      if (tats.size > maxKeys) sweep(now);
      return wait <= 0 ? grantedNow : { granted: true, waitMs: Math.ceil(wait) };
    },
    get size() {
      return tats.size;
    },
  };
}
