/**
 * Rate accuracy: the google profile configured at 200 msg/s (burst 1) for 20 s, recipients spread
 * over 10,000 distinct Google Workspace domains (each rolls up to 'google' through an injected MX
 * resolver, first lookups included), while other workers send to 2,000 domains of their own in
 * the same relay. Achieved = google sends started within the 20 s after the first one, / 20.
 * Target: within ±2% of 200. A 20 s run, so a bench, not a test.
 *
 *   pnpm vitest bench --run test/bench/throttle-accuracy.bench.ts
 */
import { afterAll, bench, describe } from 'vitest';
import { createRelay, createThrottle, type Message, type MxResolver } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';

const RATE = 200;
const SECONDS = 20;
const DOMAINS = 10_000;
const base = {
  from: 'Shop <orders@mail.shop.example>',
  subject: 'Your order',
  text: 'Thanks for your order.',
};
const resolver: MxResolver = async (domain) =>
  domain.startsWith('ws')
    ? [
        { exchange: 'aspmx.l.google.com', priority: 1 },
        { exchange: 'alt1.aspmx.l.google.com', priority: 5 },
      ]
    : [{ exchange: `mx.${domain}`, priority: 10 }];

const result = { google: 0, other: 0, failed: 0, lookups: 0, achieved: 0 };

describe(`google profile at ${RATE} msg/s for ${SECONDS} s, ${DOMAINS.toLocaleString('en')} domains`, () => {
  bench(
    'achieved rate',
    async () => {
      if (result.achieved > 0) return;
      const starts: number[] = [];
      const provider = testingProvider({ events: false });
      const send = provider.send.bind(provider);
      // Record when each google send reaches the provider.
      provider.send = (message: Message, context) => {
        if ((message.to[0]?.address ?? '').includes('@ws')) starts.push(performance.now());
        else result.other += 1;
        return send(message, context);
      };
      const counted: MxResolver = (d) => ((result.lookups += 1), resolver(d));
      const relay = createRelay({
        providers: [provider],
        throttle: createThrottle({
          mx: { resolver: counted },
          profiles: { google: { rate: RATE, burst: 1 } },
        }),
      });
      const until = performance.now() + (SECONDS + 1.5) * 1000;
      let n = 0;
      const worker = async (domainOf: (i: number) => string): Promise<void> => {
        while (performance.now() < until) {
          const i = n++;
          await relay
            .send({ ...base, to: `u${i}@${domainOf(i)}` })
            .catch(() => (result.failed += 1));
        }
      };
      await Promise.all([
        // Enough google senders that reservations stay ahead of the clock on a busy host.
        ...Array.from({ length: 128 }, () => worker((i) => `ws${(i * 7919) % DOMAINS}.com`)),
        // Other traffic, lighter: four workers, one send per millisecond at most each.
        ...Array.from({ length: 4 }, async () => {
          while (performance.now() < until) {
            await new Promise((r) => setTimeout(r, 1));
            await relay
              .send({ ...base, to: `v${n++}@co${n % 2000}.org` })
              .catch(() => (result.failed += 1));
          }
        }),
      ]);
      const t0 = starts[0] ?? 0;
      result.google = starts.filter((t) => t - t0 < SECONDS * 1000).length;
      result.achieved = result.google / SECONDS;
    },
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

afterAll(() => {
  const error = ((result.achieved - RATE) / RATE) * 100;
  console.log(
    `\n[throttle-accuracy.bench] configured ${RATE} msg/s, achieved ${result.achieved.toFixed(2)} msg/s over ${SECONDS} s ` +
      `(${error >= 0 ? '+' : ''}${error.toFixed(2)}%, target ±2%); ${result.google} google sends, ${result.other} to other domains, ` +
      `${result.lookups} MX lookups, ${result.failed} failed`,
  );
});
