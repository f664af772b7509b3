/**
 * Webhook intake per provider, with the real adapters and memory stores: `relay.webhooks.handle`
 * (bounds, verify, parse, dedupe, message state, suppression policy, health guard, throttle
 * feedback) against the adapter's verify + parse alone, in interleaved blocks of distinct signed
 * bounce deliveries (each a new recipient and event id, as a provider's stream is). Blocks
 * alternate within one run, so the ratio holds on a loaded host where absolute rates do not; the
 * relay is long-lived, so its stores fill as a service's do. Also: what refusing a 1 MB body of
 * `[[[[…` costs before any signature check (the target is under 5 ms).
 *
 *   pnpm vitest bench --run test/bench/webhook-ingest.bench.ts
 */
import { createRelay, memoryDedupe } from '@relaykit/core';
import { type WebhookContext } from '@relaykit/core/adapter';
import { afterAll, bench, describe } from 'vitest';
import { interleave } from './interleave.ts';
import {
  asRequest,
  deliveries,
  webhookProvider,
  webhookProviders,
  type WebhookProviderName,
} from './webhook-deliveries.ts';

const BLOCK = 1_000;
const ROUNDS = 6;
const rates: Record<string, { handle: number[]; adapter: number[] }> = {};
const deepMs: Record<string, number> = {};

async function measure(name: WebhookProviderName): Promise<void> {
  const relay = createRelay({ providers: [webhookProvider(name)] });
  const adapter = webhookProvider(name).webhook;
  const seen = memoryDedupe();
  const context: WebhookContext = {
    now: Date.now,
    remember: (key, ttlMs) => seen.remember(key, ttlMs),
    fetch,
  };
  if (!adapter) throw new Error(`${name} takes no webhooks`);
  const handleBlock = async () => {
    // The server's own work (a Request per delivery) is outside the timed span.
    const requests = deliveries(name, BLOCK).map(asRequest);
    const started = performance.now();
    for (const request of requests) {
      const response = await relay.webhooks.handle(request);
      if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
    }
    return BLOCK / ((performance.now() - started) / 1000);
  };
  const adapterBlock = async () => {
    const requests = deliveries(name, BLOCK);
    const started = performance.now();
    for (const request of requests) {
      await adapter.verify(request, context);
      await adapter.parse(request, context);
    }
    return BLOCK / ((performance.now() - started) / 1000);
  };
  const [handleRates, adapterRates] = await interleave(handleBlock, adapterBlock, ROUNDS);
  rates[name] = { handle: handleRates, adapter: adapterRates };
  const deep = '['.repeat(1024 * 1024 - 1);
  const started = performance.now();
  const response = await relay.webhooks.handle(
    new Request(`http://localhost/webhooks/${name}`, { method: 'POST', body: deep }),
  );
  deepMs[name] = performance.now() - started;
  if (response.status < 400) throw new Error(`${name} took a 1 MB nested body`);
  await relay.close();
}

describe(`webhook intake, interleaved blocks of ${BLOCK} signed bounce deliveries`, () => {
  for (const name of webhookProviders) {
    bench(`${name}: handle vs verify + parse`, () => measure(name), {
      iterations: 1,
      warmupIterations: 0,
      time: 0,
    });
  }
});

afterAll(() => {
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const lines = Object.entries(rates).map(([name, r]) => {
    const ratios = r.handle.map((h, i) => (r.adapter[i] ?? h) / h);
    return (
      `${name.padEnd(8)} handle ${fmt(median(r.handle))} events/s (blocks ${fmt(Math.min(...r.handle))}–${fmt(Math.max(...r.handle))}), ` +
      `verify+parse ${fmt(median(r.adapter))}/s; handle costs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× ` +
      `verify+parse (median ${median(ratios).toFixed(2)}); 1 MB [[[[ refused in ${(deepMs[name] ?? 0).toFixed(1)} ms`
    );
  });
  console.log(`\n[webhook-ingest.bench]\n  ${lines.join('\n  ')}`);
});
