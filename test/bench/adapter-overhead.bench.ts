/**
 * What relaykit adds to a send: `relay.send` through each adapter against the direct SDK call,
 * against the same simulator in a process of its own, in interleaved blocks of 1,000 sends with 32
 * in flight, the throttle on with limits that do not bind. The client side runs as plain Node on
 * the built packages (test/bench/adapter-overhead.ts), one process per provider, so vitest's
 * transform is not measured. Per round it prints the ratio relay/direct of msg/s and of client CPU
 * per message, and each side's simulator CPU per message (what the request costs the provider).
 * Goal: ≥ 0.95× direct msg/s and ≤ 1.05× its client CPU per message on every adapter.
 *
 *   pnpm build && pnpm vitest bench --run test/bench/adapter-overhead.bench.ts
 *   BENCH_PROVIDERS=resend BENCH_ROUNDS=10 pnpm vitest bench --run test/bench/adapter-overhead.bench.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, bench, describe } from 'vitest';
import type { Name, Rounds } from './adapter-overhead.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 6);
const names: Name[] = (process.env['BENCH_PROVIDERS']?.split(',') as Name[] | undefined) ?? [
  'ses',
  'postmark',
  'mailgun',
  'resend',
];
const results = new Map<Name, Rounds>();

async function run(name: Name): Promise<void> {
  // vitest may call a task more than once: one measurement per provider.
  if (results.has(name)) return;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/bench/adapter-overhead.ts', name, '--rounds', String(rounds)],
    { maxBuffer: 1 << 20, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as Rounds;
  if (result.warnings.length > 0)
    throw new Error(`${name}: the sends raised warnings: ${result.warnings.join('; ')}`);
  results.set(name, result);
}

describe('relay.send through the adapter vs the direct SDK call, blocks of 1,000', () => {
  for (const name of names) {
    bench(
      `${name}: relay vs direct`,
      // vitest's bench drops a failed task quietly: say why.
      () =>
        run(name).catch((error: unknown) => {
          console.error(`[adapter-overhead.bench] ${name} failed:`, error);
          throw error;
        }),
      { iterations: 1, warmupIterations: 0, time: 0 },
    );
  }
});

afterAll(() => {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const f = (n: number, d = 2) => n.toFixed(d);
  const lines = [...results.values()].map((r) => {
    const rate = r.relay.map((s, i) => s.rate / (r.direct[i]?.rate ?? s.rate));
    const cpu = r.relay.map((s, i) => s.cpu / (r.direct[i]?.cpu ?? s.cpu));
    const pick = (side: 'relay' | 'direct', k: 'rate' | 'cpu' | 'sim') =>
      median(r[side].map((s) => s[k]));
    return (
      `${r.provider.padEnd(8)} msg/s ${f(median(rate))}× (${f(Math.min(...rate))}–${f(Math.max(...rate))}), ` +
      `client CPU/msg ${f(median(cpu))}× (${f(Math.min(...cpu))}–${f(Math.max(...cpu))}); ` +
      `relay ${Math.round(pick('relay', 'rate'))}/s ${Math.round(pick('relay', 'cpu'))} µs, ` +
      `direct ${Math.round(pick('direct', 'rate'))}/s ${Math.round(pick('direct', 'cpu'))} µs; ` +
      `simulator µs/msg relay ${Math.round(pick('relay', 'sim'))} vs direct ${Math.round(pick('direct', 'sim'))}`
    );
  });
  console.log(
    `\n[adapter-overhead.bench] relay/direct, medians over ${rounds} rounds (range); goal msg/s ≥ 0.95×, CPU ≤ 1.05×\n  ${lines.join('\n  ')}`,
  );
});
