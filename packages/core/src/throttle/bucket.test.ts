import { describe, expect, it } from 'vitest';
import { memoryRateStore } from '../index.ts';

describe('memoryRateStore', () => {
  it('grants a burst at once, then one token per interval, synchronously', () => {
    const store = memoryRateStore();
    const bucket = [{ key: 'k', cost: 1, ratePerSec: 10, burst: 3 }];
    const answers = Array.from({ length: 5 }, () => store.take(bucket, 1000, 10_000));
    expect(answers).toEqual([
      { granted: true, waitMs: 0 },
      { granted: true, waitMs: 0 },
      { granted: true, waitMs: 0 },
      { granted: true, waitMs: 100 },
      { granted: true, waitMs: 200 },
    ]);
    // Refilled after a quiet second.
    expect(store.take(bucket, 2500, 0)).toEqual({ granted: true, waitMs: 0 });
  });

  it('takes nothing when the wait is past maxWaitMs, and says how long it would be', () => {
    const store = memoryRateStore();
    const bucket = [{ key: 'k', cost: 1, ratePerSec: 1, burst: 1 }];
    expect(store.take(bucket, 0, 0)).toEqual({ granted: true, waitMs: 0 });
    expect(store.take(bucket, 0, 500)).toEqual({ granted: false, waitMs: 1000 });
    expect(store.take(bucket, 0, 1000)).toEqual({ granted: true, waitMs: 1000 });
  });

  it('is all-or-nothing across buckets', () => {
    const store = memoryRateStore();
    const fast = { key: 'fast', cost: 1, ratePerSec: 100, burst: 1 };
    const slow = { key: 'slow', cost: 1, ratePerSec: 1, burst: 1 };
    store.take([slow], 0, 0);
    expect(store.take([fast, slow], 0, 10)).toEqual({ granted: false, waitMs: 1000 });
    // The refusal took nothing from the fast bucket.
    expect(store.take([fast], 0, 0)).toEqual({ granted: true, waitMs: 0 });
  });

  it('ignores unlimited buckets and refuses a zero rate', () => {
    const store = memoryRateStore();
    expect(
      store.take([{ key: 'u', cost: 5, ratePerSec: Number.POSITIVE_INFINITY, burst: 1 }], 0, 0),
    ).toEqual({ granted: true, waitMs: 0 });
    expect(store.take([{ key: 'z', cost: 1, ratePerSec: 0, burst: 1 }], 0, 1e9)).toMatchObject({
      granted: false,
    });
    expect(store.size).toBe(0);
  });

  it('stays bounded: full buckets are dropped first', () => {
    const store = memoryRateStore({ maxKeys: 100 });
    for (let i = 0; i < 1000; i += 1)
      store.take([{ key: `d${i}`, cost: 1, ratePerSec: 1, burst: 1 }], i * 2000, 0);
    expect(store.size).toBeLessThanOrEqual(101);
  });
});
