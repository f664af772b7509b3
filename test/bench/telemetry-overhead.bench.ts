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

const BLOCK = 1024;
const BLOCKS = Number(process.env['RELAYKIT_BENCH_BLOCKS'] ?? 100);
const WARMUP_BLOCKS = 10;
const from = 'Shop <orders@mail.shop.example>';
const subject = 'Your order';
const text = 'Thanks for your order.';

const recipients = Array.from({ length: 4096 }, (_, i) => `u${i}@company${i % 1000}.org`);

type Mode = 'off' | 'on';
const totals: Record<Mode, { cpu: number; wall: number; sent: number }> = {
  off: { cpu: 0, wall: 0, sent: 0 },
  on: { cpu: 0, wall: 0, sent: 0 },
};
const costs: number[] = [];
let next = 0;

async function block(relay: Core.Relay): Promise<{ cpu: number; wall: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < BLOCK; i += 64) {
    const batch: Array<Promise<unknown>> = [];
    for (let j = 0; j < 64; j += 1) {
      next += 1;
      batch.push(relay.send({ from, subject, text, to: recipients[next & 4095] as string }));
    }
    await Promise.all(batch);
  }
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - started) / 1000 };
}

describe('relay.send, telemetry off vs on without an SDK', () => {
  bench(
    'interleaved blocks',
    async () => {
      if (costs.length > 0) return;
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
      for (let i = 0; i < WARMUP_BLOCKS; i += 1) {
        await block(relays.off);
        await block(relays.on);
      }
      for (let i = 0; i < BLOCKS; i += 1) {
        const order: Mode[] = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
        const pair = {} as Record<Mode, number>;
        for (const mode of order) {
          const { cpu, wall } = await block(relays[mode]);
          totals[mode].cpu += cpu;
          totals[mode].wall += wall;
          totals[mode].sent += BLOCK;
          pair[mode] = cpu;
        }
        costs.push(1 - pair.off / pair.on);
      }
      await Promise.all([relays.off.close(), relays.on.close()]);
    },
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

/** The q-quantile of xs (0.5: the median). */
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)] ?? 0;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

afterAll(() => {
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  const line = (mode: Mode) =>
    `${fmt(totals[mode].sent / totals[mode].cpu)} msg/CPU-s, ${fmt(totals[mode].sent / totals[mode].wall)} msg/s wall`;
  const overall = 1 - totals.off.cpu / totals.off.sent / (totals.on.cpu / totals.on.sent);
  console.log(
    `\n[telemetry-overhead.bench] ${built ? 'built packages' : 'sources'}, ${BLOCKS} interleaved blocks of ${fmt(BLOCK)} sends per mode\n` +
      `  telemetry off:          ${line('off')}\n` +
      `  telemetry on, no SDK:  ${line('on')}\n` +
      `  cost of the instrumentation: ${pct(quantile(costs, 0.5))} of CPU (median of block pairs); ${pct(overall)} over all blocks\n` +
      `  block pairs, quartiles: ${pct(quantile(costs, 0.25))} to ${pct(quantile(costs, 0.75))}`,
  );
});
