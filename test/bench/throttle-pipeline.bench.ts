/**
 * What throttling costs the send pipeline when its limits do not bind: relay.send through the
 * testing provider (events off: the webhook path is not the send path), 64 sends in flight,
 * throttle off (throttle: false) against the default in-process throttle (createThrottle with an
 * injected MX resolver: 1,000 Google Workspace domains, 1,000 domains of their own at the default
 * 100/s each, and gmail.com). Rounds alternate off/on in one process; each round builds a fresh
 * relay. Figures: messages per CPU-second (user+system of this process, what "one core" means on a
 * shared host) and per wall-second; the ratio is what counts.
 *
 *   pnpm vitest bench --run test/bench/throttle-pipeline.bench.ts
 *   pnpm build && RELAYKIT_BENCH_BUILT=1 pnpm vitest bench --run test/bench/throttle-pipeline.bench.ts
 */
import { afterAll, bench, describe } from 'vitest';
import type * as Core from '@relaykit/core';
import type * as Testing from '@relaykit/core/testing';

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

const ROUNDS = 4;
const MESSAGES = 50_000;
const WARMUP = 10_000;
const base = {
  from: 'Shop <orders@mail.shop.example>',
  subject: 'Your order',
  text: 'Thanks for your order.',
};

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

const runs: Record<'off' | 'on', Array<{ cpu: number; wall: number }>> = { off: [], on: [] };

async function round(mode: 'off' | 'on') {
  const relay = createRelay({
    providers: [testingProvider({ events: false, record: false })],
    throttle: mode === 'off' ? false : createThrottle({ mx: { resolver } }),
  });
  const send = (i: number) =>
    relay.send({ ...base, to: recipients[i % recipients.length] as string });
  for (let i = 0; i < WARMUP; i += 64)
    await Promise.all(Array.from({ length: 64 }, (_, j) => send(i + j)));
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i += 64) {
    const batch: Array<Promise<unknown>> = [];
    for (let j = 0; j < 64; j += 1) batch.push(send(i + j));
    await Promise.all(batch);
  }
  const used = process.cpuUsage(cpu);
  runs[mode].push({
    cpu: MESSAGES / ((used.user + used.system) / 1e6),
    wall: MESSAGES / ((performance.now() - started) / 1000),
  });
  await relay.close();
}

describe('relay.send, throttle off vs on (limits not binding)', () => {
  bench(
    'alternating rounds',
    async () => {
      if (runs.on.length > 0) return;
      for (let r = 0; r < ROUNDS; r += 1) {
        await round('off');
        await round('on');
      }
    },
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

afterAll(() => {
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  const off = {
    cpu: median(runs.off.map((r) => r.cpu)),
    wall: median(runs.off.map((r) => r.wall)),
  };
  const on = { cpu: median(runs.on.map((r) => r.cpu)), wall: median(runs.on.map((r) => r.wall)) };
  console.log(
    `\n[throttle-pipeline.bench] ${built ? 'built packages' : 'sources'}, median of ${ROUNDS} rounds of ${fmt(MESSAGES)} sends\n` +
      `  throttle off: ${fmt(off.cpu)} msg/CPU-s, ${fmt(off.wall)} msg/s wall\n` +
      `  throttle on:  ${fmt(on.cpu)} msg/CPU-s, ${fmt(on.wall)} msg/s wall\n` +
      `  cost of throttling: ${((1 - on.cpu / off.cpu) * 100).toFixed(1)}% (CPU), ${((1 - on.wall / off.wall) * 100).toFixed(1)}% (wall)\n` +
      `  rounds off (CPU): ${runs.off.map((r) => fmt(r.cpu)).join(', ')}; on: ${runs.on.map((r) => fmt(r.cpu)).join(', ')}`,
  );
});
