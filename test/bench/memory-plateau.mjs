/**
 * Memory over a long run: sends messages through a relay with its default memory stores (ledger,
 * message state, event dedupe, suppression, health guard, throttle) and the in-process testing
 * provider, which hands one 'delivered' event per message back to the relay, and samples the heap
 * after a full GC every `--every` messages. A long-running service must level off at the bounds of
 * its memory stores (docs/operations.md, "Memory"), not grow with the messages it has sent.
 *
 *   pnpm build && node --expose-gc test/bench/memory-plateau.mjs [--messages 1000000] [--every 50000]
 *
 * It runs against the built packages as plain Node (JavaScript, no loader: a TypeScript loader
 * alone holds 50 MiB), so the RSS it prints is what an application process pays. Prints one line
 * per sample (messages, heap used and committed, RSS) and exits non-zero when the heap of the last
 * quarter of the run grew more than `--slack` MiB (default 16), or when the RSS of the last
 * quarter went over `--max-rss` MiB (default 256).
 */
import { createRelay } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';

/** @param {string} name @param {number} fallback */
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const total = arg('messages', 1_000_000);
const every = arg('every', 50_000);
const slack = arg('slack', 16);
const maxRss = arg('max-rss', 256);
const inFlight = 64;

/** @type {(() => void) | undefined} */
const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const provider = testingProvider({ record: false });
// The throttle stays on with its defaults; the testing provider claims no rate limit.
const relay = createRelay({ providers: [provider] });

/** @param {number} bytes */
const mib = (bytes) => bytes / 1024 / 1024;
/** @type {Array<{ messages: number; heap: number; rss: number }>} */
const samples = [];
/** @param {number} messages */
const sample = async (messages) => {
  await provider.settled();
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const m = process.memoryUsage();
  samples.push({ messages, heap: mib(m.heapUsed), rss: mib(m.rss) });
  const f = (/** @type {number} */ bytes) => mib(bytes).toFixed(1).padStart(7);
  console.log(
    `${String(messages).padStart(9)} messages  heap ${f(m.heapUsed)} MiB (committed ${f(m.heapTotal)})  rss ${f(m.rss)} MiB`,
  );
};

await sample(0);
const started = performance.now();
let sent = 0;
while (sent < total) {
  const until = Math.min(total, sent + every);
  while (sent < until) {
    const n = Math.min(inFlight, until - sent);
    const sends = [];
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

const last = /** @type {{ heap: number }} */ (samples.at(-1));
const lastQuarter = samples.slice(Math.floor(samples.length * 0.75));
const quarter = /** @type {{ heap: number }} */ (lastQuarter[0]);
const peak = Math.max(...samples.map((s) => s.heap));
const rss = Math.max(...lastQuarter.map((s) => s.rss));
console.log(
  `${total} messages in ${seconds.toFixed(1)} s; heap peak ${peak.toFixed(1)} MiB, last quarter ${(last.heap - quarter.heap).toFixed(1)} MiB; RSS at most ${rss.toFixed(1)} MiB in the last quarter`,
);
if (last.heap - quarter.heap > slack) {
  console.error(
    `the heap still grows: ${(last.heap - quarter.heap).toFixed(1)} MiB over the last quarter`,
  );
  process.exit(1);
}
if (rss > maxRss) {
  console.error(`RSS ${rss.toFixed(1)} MiB in the last quarter, over ${maxRss} MiB`);
  process.exit(1);
}
