/**
 * Which limiter can be the throttle's default hot path? Each one admits sends for 1,000 keys
 * (recipient domains) under a limit that never binds, one at a time and 64 in flight, in one run:
 * relaykit's GCRA store (memoryRateStore, synchronous), the whole createThrottle().acquire path,
 * rate-limiter-flexible's RateLimiterMemory, and Bottleneck (local datastore; a Group, one
 * limiter per key, as a per-domain throttle needs). Figures are admissions per second.
 *
 *   pnpm vitest bench --run test/bench/throttle-limiters.bench.ts
 */
import Bottleneck from 'bottleneck';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterAll, bench, describe } from 'vitest';
import { createThrottle, memoryRateStore } from '@relaykit/core';

const KEYS = 1000;
const keys = Array.from({ length: KEYS }, (_, i) => `d${i}.test`);
const results: Array<{ name: string; sequential: number; concurrent: number }> = [];

/** Admissions per second: `n` sequential awaits, then `n` in batches of 64. */
async function measure(name: string, n: number, admit: (i: number) => unknown) {
  for (let i = 0; i < Math.min(n, 2000); i += 1) await admit(i);
  let started = performance.now();
  for (let i = 0; i < n; i += 1) await admit(i);
  const sequential = n / ((performance.now() - started) / 1000);
  started = performance.now();
  for (let i = 0; i < n; i += 64) {
    const batch: unknown[] = [];
    for (let j = 0; j < 64; j += 1) batch.push(admit(i + j));
    await Promise.all(batch);
  }
  const concurrent = n / ((performance.now() - started) / 1000);
  results.push({ name, sequential, concurrent });
}

describe('throttle limiters, limits not binding', () => {
  bench(
    'all limiters',
    async () => {
      if (results.length > 0) return;
      const store = memoryRateStore();
      const buckets = keys.map((key) => [{ key, cost: 1, ratePerSec: 1e9, burst: 1e9 }]);
      await measure('relaykit memoryRateStore.take (sync GCRA)', 1_000_000, (i) =>
        store.take(buckets[i % KEYS] as never, Date.now(), 30_000),
      );

      const throttle = createThrottle({ profiles: { other: { rate: 1e9, burst: 1e9 } } });
      const recipients = keys.map((k) => [`u@${k}`]);
      await measure('relaykit createThrottle().acquire (full path)', 500_000, (i) =>
        throttle.acquire({
          provider: 'p',
          recipients: recipients[i % KEYS] as string[],
          deadline: Date.now() + 30_000,
        }),
      );

      const flexible = new RateLimiterMemory({ points: 1e9, duration: 1 });
      await measure('rate-limiter-flexible RateLimiterMemory.consume', 300_000, (i) =>
        flexible.consume(keys[i % KEYS] as string),
      );

      const group = new Bottleneck.Group({ maxConcurrent: null, minTime: 0 });
      const noop = () => Promise.resolve();
      await measure('Bottleneck.Group (local datastore) schedule', 4_000, (i) =>
        group.key(keys[i % KEYS] as string).schedule(noop),
      );
      await Promise.all(group.limiters().map(({ limiter }) => limiter.stop()));
    },
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

afterAll(() => {
  const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(12);
  const ours = results[0]?.concurrent ?? 1;
  console.log(
    '\n[throttle-limiters.bench] admissions/s (one run)            sequential   64 in flight   vs memoryRateStore',
  );
  for (const r of results)
    console.log(
      `  ${r.name.padEnd(52)} ${fmt(r.sequential)} ${fmt(r.concurrent)}   ${(r.concurrent / ours).toFixed(4)}x`,
    );
});
