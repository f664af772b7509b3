/**
 * Webhook intake per CPU-second: `relay.webhooks.handle` (memory stores, every default policy)
 * against the adapter's verify + parse alone, in alternating blocks of distinct signed bounce
 * deliveries, timed by the process's CPU time (process.cpuUsage) rather than the wall clock, so a
 * host shared with other work still reads what one core does. Building the requests is outside the
 * timed span. A CPU profile of the same loop: add `--cpu-prof`.
 *
 *   pnpm build && cd test && node --import tsx bench/webhook-ingest-cpu.ts [provider] [--blocks 8]
 */
import { createRelay, memoryDedupe } from '@relaykit/core';
import type { WebhookContext } from '@relaykit/core/adapter';
import { asRequest, deliveries, webhookProvider, webhookProviders } from './webhook-deliveries.ts';

const BLOCK = 2_000;
/** Requests built at a time, as a server has a few dozen in flight. */
const IN_FLIGHT = 50;
const blocksAt = process.argv.indexOf('--blocks');
const blocks = blocksAt < 0 ? 8 : Number(process.argv[blocksAt + 1]);
const only = webhookProviders.find((p) => process.argv.includes(p));
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

for (const name of only ? [only] : webhookProviders) {
  const relay = createRelay({ providers: [webhookProvider(name)] });
  const adapter = webhookProvider(name).webhook;
  if (!adapter) throw new Error(`${name} takes no webhooks`);
  const seen = memoryDedupe();
  const context: WebhookContext = { now: Date.now, remember: (k, t) => seen.remember(k, t), fetch };
  const handle: number[] = [];
  const parse: number[] = [];
  for (let round = 0; round < blocks; round += 1) {
    // A server holds the requests in flight, not a block's 2,000: build them a few at a time,
    // outside the timed span, so the collector does not copy 2,000 live Requests into the figure.
    const pending = deliveries(name, BLOCK);
    let used = 0;
    for (let at = 0; at < BLOCK; at += IN_FLIGHT) {
      const requests = pending.slice(at, at + IN_FLIGHT).map(asRequest);
      const started = process.cpuUsage();
      for (const request of requests) {
        const response = await relay.webhooks.handle(request);
        if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
      }
      used += cpuSeconds(started);
    }
    handle.push(BLOCK / used);
    const raw = deliveries(name, BLOCK);
    const since = process.cpuUsage();
    for (const request of raw) {
      await adapter.verify(request, context);
      await adapter.parse(request, context);
    }
    parse.push(BLOCK / cpuSeconds(since));
  }
  // The first blocks warm the JIT up.
  const h = median(handle.slice(2));
  const p = median(parse.slice(2));
  console.log(
    `${name.padEnd(9)} handle ${Math.round(h).toLocaleString('en').padStart(7)} events/CPU-s   verify+parse ${Math.round(p).toLocaleString('en').padStart(7)}/CPU-s   handle costs ${(p / h).toFixed(2)}x`,
  );
  await relay.close();
}
