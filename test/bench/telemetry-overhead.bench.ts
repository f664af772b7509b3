/**
 * What the OpenTelemetry instrumentation costs the send pipeline when no SDK is registered (the
 * usual case for a service that installs @opentelemetry/api but exports nothing): relay.send
 * through the testing provider (events off), 64 sends in flight, throttle off so the pipeline is
 * at its lightest and any cost shows, with telemetry off (`telemetry: false`) against the default
 * (the API resolved, its no-op tracer and meter answering). The target: within 2%.
 *
 * Both relays live side by side and take turns in blocks of 1,024 sends, the order alternating,
 * so a slower moment of a shared host falls on both alike. Figures: messages per CPU-second
 * (user+system of this process) and per wall-second over all blocks; the cost is the median over
 * block pairs of 1 - off-time/on-time.
 *
 *   pnpm vitest bench --run test/bench/telemetry-overhead.bench.ts
 *   pnpm build && RELAYKIT_BENCH_BUILT=1 pnpm vitest bench --run test/bench/telemetry-overhead.bench.ts
 */
import { afterAll, bench, describe } from 'vitest';
import type * as Core from '@relaykit/core';
import type * as Testing from '@relaykit/core/testing';
import { reportPairs, runPairs, type Mode, type PairRun } from './relay-pair.ts';

// RELAYKIT_BENCH_BUILT=1 measures the shipped build (run `pnpm build` first) instead of the
// sources through vitest's transform.
const built = process.env['RELAYKIT_BENCH_BUILT'] === '1';
const { createRelay } = (
  built ? await import('../../packages/core/dist/index.mjs') : await import('@relaykit/core')
) as typeof Core;
const { testingProvider } = (
  built
    ? await import('../../packages/core/dist/testing.mjs')
    : await import('@relaykit/core/testing')
) as typeof Testing;

const BLOCKS = Number(process.env['RELAYKIT_BENCH_BLOCKS'] ?? 100);
const WARMUP_BLOCKS = 10;

const recipients = Array.from({ length: 4096 }, (_, i) => `u${i}@company${i % 1000}.org`);

let run: PairRun | undefined;

describe('relay.send, telemetry off vs on without an SDK', () => {
  bench(
    'interleaved blocks',
    async () => {
      if (run) return;
      const relays: Record<Mode, Core.Relay> = {
        off: createRelay({
          providers: [testingProvider({ events: false, record: false })],
          throttle: false,
          telemetry: false,
        }),
        // The default: @opentelemetry/api resolves (a devDependency here), no SDK registered.
        on: createRelay({
          providers: [testingProvider({ events: false, record: false })],
          throttle: false,
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
      title: `telemetry-overhead.bench, ${built ? 'built packages' : 'sources'}`,
      off: 'telemetry off',
      on: 'telemetry on, no SDK',
      cost: 'cost of the instrumentation',
    }),
  );
});
