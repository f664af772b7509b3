/**
 * What throttling costs the send pipeline when its limits do not bind: relay.send through the
 * testing provider (events off: the webhook path is not the send path), 64 sends in flight,
 * throttle off (throttle: false) against the default in-process throttle (createThrottle with an
 * injected MX resolver: 1,000 Google Workspace domains, 1,000 domains of their own at the default
 * 100/s each, and gmail.com).
 *
 * Both relays live side by side and take turns in blocks of 1,024 sends, the order alternating,
 * so a slower moment of a shared host falls on both alike. Figures: messages per CPU-second
 * (user+system of this process, what "one core" means on a shared host) and per wall-second over
 * all blocks; the cost of throttling is the median over block pairs of 1 − off-time/on-time,
 * which a garbage collection landing in one block does not move.
 *
 *   pnpm vitest bench --run test/bench/throttle-pipeline.bench.ts
 *   pnpm build && RELAYKIT_BENCH_BUILT=1 pnpm vitest bench --run test/bench/throttle-pipeline.bench.ts
 */
import { afterAll, bench, describe } from 'vitest';
import type * as Core from '@relaykit/core';
import type * as Testing from '@relaykit/core/testing';
import { reportPairs, runPairs, type Mode, type PairRun } from './relay-pair.ts';

type MxResolver = Core.MxResolver;

// RELAYKIT_BENCH_BUILT=1 measures the shipped build (run `pnpm build` first) instead of the
// sources through vitest's transform, whose helpers cost the send path about a third.
const built = process.env['RELAYKIT_BENCH_BUILT'] === '1';
const { createRelay, createThrottle } = (
  built ? await import('../../packages/core/dist/index.mjs') : await import('@relaykit/core')
) as typeof Core;
const { testingProvider } = (
  built
    ? await import('../../packages/core/dist/testing.mjs')
    : await import('@relaykit/core/testing')
) as typeof Testing;

const BLOCKS = 200;
const WARMUP_BLOCKS = 10;

const recipients = Array.from({ length: 4096 }, (_, i) =>
  i % 3 === 0
    ? `u${i}@gmail.com`
    : i % 3 === 1
      ? `u${i}@workspace${i % 1000}.com`
      : `u${i}@company${i % 1000}.org`,
);
const resolver: MxResolver = async (domain) =>
  domain.startsWith('workspace')
    ? [{ exchange: 'aspmx.l.google.com', priority: 1 }]
    : [{ exchange: `mx.${domain}`, priority: 10 }];

let run: PairRun | undefined;

describe('relay.send, throttle off vs on (limits not binding)', () => {
  bench(
    'interleaved blocks',
    async () => {
      if (run) return;
      const relays: Record<Mode, Core.Relay> = {
        off: createRelay({
          providers: [testingProvider({ events: false, record: false })],
          throttle: false,
        }),
        on: createRelay({
          providers: [testingProvider({ events: false, record: false })],
          throttle: createThrottle({ mx: { resolver } }),
        }),
      };
      run = await runPairs(relays, recipients, { blocks: BLOCKS, warmup: WARMUP_BLOCKS });
    },
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

afterAll(() => {
  if (!run) return;
  console.log(
    reportPairs(run, {
      title: `throttle-pipeline.bench, ${built ? 'built packages' : 'sources'}`,
      off: 'throttle off',
      on: 'throttle on',
      cost: 'cost of throttling',
    }),
  );
});
