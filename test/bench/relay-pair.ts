/**
 * Two relays measured side by side, for the benches that price one pipeline feature (throttle,
 * telemetry) with the feature off against on: blocks of 1,024 sends, 64 in flight, taking turns
 * with the order alternating, so a slower moment of a shared host falls on both alike. Figures:
 * messages per CPU-second (user+system of this process) and per wall-second over all blocks; the
 * cost is the median over block pairs of 1 − off-time/on-time, which a garbage collection landing
 * in one block does not move.
 */
import type { Relay } from '@relaykit/core';

export type Mode = 'off' | 'on';

const BLOCK = 1024;
const from = 'Shop <orders@mail.shop.example>';
const subject = 'Your order';
const text = 'Thanks for your order.';

export interface PairRun {
  blocks: number;
  totals: Record<Mode, { cpu: number; wall: number; sent: number }>;
  /** Per block pair: 1 − off-time/on-time. */
  costs: number[];
}

let next = 0;

async function block(relay: Relay, recipients: readonly string[]) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < BLOCK; i += 64) {
    const batch: Array<Promise<unknown>> = [];
    for (let j = 0; j < 64; j += 1) {
      next += 1;
      const to = recipients[next % recipients.length] as string;
      batch.push(relay.send({ from, subject, text, to }));
    }
    await Promise.all(batch);
  }
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - started) / 1000 };
}

/** Runs `warmup` blocks each, then `blocks` interleaved pairs; closes both relays. */
export async function runPairs(
  relays: Record<Mode, Relay>,
  recipients: readonly string[],
  options: { blocks: number; warmup: number },
): Promise<PairRun> {
  const run: PairRun = {
    blocks: options.blocks,
    totals: { off: { cpu: 0, wall: 0, sent: 0 }, on: { cpu: 0, wall: 0, sent: 0 } },
    costs: [],
  };
  for (let i = 0; i < options.warmup; i += 1) {
    await block(relays.off, recipients);
    await block(relays.on, recipients);
  }
  for (let i = 0; i < options.blocks; i += 1) {
    const order: Mode[] = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    const pair = {} as Record<Mode, number>;
    for (const mode of order) {
      const { cpu, wall } = await block(relays[mode], recipients);
      run.totals[mode].cpu += cpu;
      run.totals[mode].wall += wall;
      run.totals[mode].sent += BLOCK;
      pair[mode] = cpu;
    }
    run.costs.push(1 - pair.off / pair.on);
  }
  await Promise.all([relays.off.close(), relays.on.close()]);
  return run;
}

/** The q-quantile of xs (0.5: the median). */
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)] ?? 0;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The run's figures, one line a mode, then the cost (median, overall and quartiles). */
export function reportPairs(
  run: PairRun,
  labels: { title: string; off: string; on: string; cost: string },
): string {
  const { totals, costs } = run;
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  const line = (mode: Mode) =>
    `${fmt(totals[mode].sent / totals[mode].cpu)} msg/CPU-s, ${fmt(totals[mode].sent / totals[mode].wall)} msg/s wall`;
  const overall = 1 - totals.off.cpu / totals.off.sent / (totals.on.cpu / totals.on.sent);
  return (
    `\n[${labels.title}] ${run.blocks} interleaved blocks of ${fmt(BLOCK)} sends per mode\n` +
    `  ${labels.off}: ${line('off')}\n` +
    `  ${labels.on}: ${line('on')}\n` +
    `  ${labels.cost}: ${pct(quantile(costs, 0.5))} of CPU (median of block pairs); ${pct(overall)} over all blocks\n` +
    `  block pairs, quartiles: ${pct(quantile(costs, 0.25))} to ${pct(quantile(costs, 0.75))}`
  );
}
