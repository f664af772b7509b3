/**
 * Webhook intake per CPU-second (memory stores, every default policy) against the adapter's
 * verify + parse alone, in alternating blocks of distinct signed bounce deliveries, through three
 * entries: `relay.webhooks.handle` with a web Request (built outside the timed span, as a
 * fetch-style server hands it over); `handleRaw` as `nodeWebhookListener` calls it (node:http's
 * header object and the body's bytes); and, for comparison, what that listener did before
 * `handleRaw` (build a Request with `toWebRequest`, `handle` it, read the Response back). Blocks timed by the process's CPU time (process.cpuUsage) rather than the wall clock, so a
 * host shared with other work still reads what one core does. Building the requests is outside the
 * timed span. A CPU profile of the same loop: add `--cpu-prof`.
 *
 *   pnpm build && cd test && node --import tsx bench/webhook-ingest-cpu.ts [provider] [--blocks 8]
 */
import type { IncomingMessage } from 'node:http';
import { createRelay, memoryDedupe, toWebRequest } from '@relaykit/core';
import type { WebhookContext } from '@relaykit/core/adapter';
import {
  asNodeRequest,
  asRequest,
  deliveries,
  webhookProvider,
  webhookProviders,
} from './webhook-deliveries.ts';

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
  const raw: number[] = [];
  const viaRequest: number[] = [];
  const parse: number[] = [];
  const ok = (status: number) => {
    if (status !== 200) throw new Error(`${name} answered ${status}`);
  };
  for (let round = 0; round < blocks; round += 1) {
    // A server holds the requests in flight, not a block's 2,000: build them a few at a time,
    // outside the timed span, so the collector does not copy 2,000 live Requests into the figure.
    const pending = deliveries(name, BLOCK);
    let used = 0;
    for (let at = 0; at < BLOCK; at += IN_FLIGHT) {
      const requests = pending.slice(at, at + IN_FLIGHT).map(asRequest);
      const started = process.cpuUsage();
      for (const request of requests) ok((await relay.webhooks.handle(request)).status);
      used += cpuSeconds(started);
    }
    handle.push(BLOCK / used);
    const held = deliveries(name, BLOCK).map(asNodeRequest);
    let since = process.cpuUsage();
    for (const { req, body } of held) {
      const answer = await relay.webhooks.handleRaw({ ...req, body });
      ok(answer.status);
    }
    raw.push(BLOCK / cpuSeconds(since));
    const before = deliveries(name, BLOCK).map(asNodeRequest);
    since = process.cpuUsage();
    for (const { req, body } of before) {
      const response = await relay.webhooks.handle(
        toWebRequest(req as unknown as IncomingMessage, body),
      );
      await response.arrayBuffer();
      ok(response.status);
    }
    viaRequest.push(BLOCK / cpuSeconds(since));
    const bare = deliveries(name, BLOCK);
    since = process.cpuUsage();
    for (const request of bare) {
      await adapter.verify(request, context);
      await adapter.parse(request, context);
    }
    parse.push(BLOCK / cpuSeconds(since));
  }
  // The first blocks warm the JIT up.
  const rate = (xs: number[]) => median(xs.slice(2));
  const [h, r, v, p] = [rate(handle), rate(raw), rate(viaRequest), rate(parse)];
  const n = (x: number) => Math.round(x).toLocaleString('en').padStart(7);
  console.log(
    `${name.padEnd(9)} handle(Request) ${n(h)}/CPU-s   handleRaw ${n(r)}/CPU-s   listener before ${n(v)}/CPU-s (raw ${(r / v).toFixed(2)}x)   verify+parse ${n(p)}/CPU-s`,
  );
  await relay.close();
}
