/**
 * Memory over a long run: sends messages through a relay with its default memory stores (ledger,
 * message state, event dedupe, suppression, health guard, throttle) and the in-process testing
 * provider, which hands one 'delivered' event per message back to the relay, and samples the heap
 * after a full GC every `--every` messages. A long-running service must level off at the bounds of
 * its memory stores (docs/operations.md, "Memory"), not grow with the messages it has sent.
 *
 *   pnpm build && node --expose-gc --import tsx test/bench/memory-plateau.ts [--messages 1000000] [--every 50000]
 *
 * It runs against the built packages. Prints one line per sample (messages, heap MiB, RSS MiB) and
 * exits non-zero when the last quarter of the run grew more than `--slack` MiB (default 16).
 */
import { createRelay } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const total = arg('messages', 1_000_000);
const every = arg('every', 50_000);
const slack = arg('slack', 16);
const inFlight = 64;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const provider = testingProvider({ record: false });
// The throttle stays on with its defaults; the testing provider claims no rate limit.
const relay = createRelay({ providers: [provider] });

const mib = (bytes: number) => bytes / 1024 / 1024;
const samples: Array<{ messages: number; heap: number; rss: number }> = [];
const sample = async (messages: number) => {
  await provider.settled();
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const m = process.memoryUsage();
  samples.push({ messages, heap: mib(m.heapUsed), rss: mib(m.rss) });
  console.log(
    `${String(messages).padStart(9)} messages  heap ${mib(m.heapUsed).toFixed(1).padStart(7)} MiB  rss ${mib(m.rss).toFixed(1).padStart(7)} MiB`,
  );
};

await sample(0);
const started = performance.now();
let sent = 0;
while (sent < total) {
  const until = Math.min(total, sent + every);
  while (sent < until) {
    const n = Math.min(inFlight, until - sent);
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < n; i += 1) {
      const k = sent + i;
      sends.push(
        relay.send({
          from: 'news@mail.example.com',
          // Many recipients and domains, as a real list has.
          to: `user${k}@d${k % 5_000}.example.com`,
          subject: 'Our spring news',
          text: 'Hello from the shop.',
        }),
      );
    }
    await Promise.all(sends);
    sent += n;
  }
  await sample(sent);
}
const seconds = (performance.now() - started) / 1000;
await relay.close();

const last = samples.at(-1) as { heap: number };
const quarter = samples[Math.floor(samples.length * 0.75)] as { heap: number };
const peak = Math.max(...samples.map((s) => s.heap));
console.log(
  `${total} messages in ${seconds.toFixed(1)} s; heap peak ${peak.toFixed(1)} MiB, last quarter ${(last.heap - quarter.heap).toFixed(1)} MiB`,
);
if (last.heap - quarter.heap > slack) {
  console.error(
    `the heap still grows: ${(last.heap - quarter.heap).toFixed(1)} MiB over the last quarter`,
  );
  process.exit(1);
}
