/**
 * Suppression check speed: a 1,000,000-entry memory list (plus 1,000 `@domain` entries and
 * 10,000 per-stream unsubscribes) batch-checks 1,000,000 addresses, half of them listed, with a
 * stream, as the send path does. Target: ≥ 1,000,000 addresses/s. A bare Set.has over the same
 * addresses runs in the same process as the ceiling, so the ratio stays meaningful on a loaded host.
 *
 *   pnpm vitest bench --run test/bench/suppression.bench.ts
 */
import { afterAll, bench, describe } from 'vitest';
import { memorySuppressionStore, type SuppressionEntry } from '@relaykit/core';

const LIST = 1_000_000;
const BATCH = 1_000_000;
const at = new Date('2025-03-01T00:00:00Z');

const store = memorySuppressionStore();
const entries: SuppressionEntry[] = [];
for (let i = 0; i < LIST; i += 1)
  entries.push({
    address: `user${i}@domain${i % 5000}.test`,
    reason: 'hard-bounce',
    firstSeen: at,
    lastSeen: at,
  });
for (let i = 0; i < 1000; i += 1)
  entries.push({ address: `@dead${i}.test`, reason: 'null-mx', firstSeen: at, lastSeen: at });
for (let i = 0; i < 10_000; i += 1)
  entries.push({
    address: `fan${i}@domain${i % 5000}.test`,
    stream: 'news',
    reason: 'unsubscribe',
    firstSeen: at,
    lastSeen: at,
  });
for (let i = 0; i < entries.length; i += 10_000) await store.add(entries.slice(i, i + 10_000));
entries.length = 0;

// Half listed, half not (other users of the same domains), interleaved.
const batch: string[] = [];
for (let i = 0; i < BATCH; i += 1)
  batch.push(
    i % 2 === 0
      ? `user${(i * 7919) % LIST}@domain${((i * 7919) % LIST) % 5000}.test`
      : `other${i}@domain${i % 5000}.test`,
  );
// The send path's usual case: few recipients are suppressed (2% here).
const mostlyClean = batch.map((address, i) =>
  i % 50 === 0 || !address.startsWith('user') ? address : `new${i}@domain${i % 5000}.test`,
);
const plain = new Set<string>();
for (let i = 0; i < LIST; i += 1) plain.add(`user${i}@domain${i % 5000}.test`);

const measured = { store: 0, clean: 0, set: 0 };
let hits = 0;
let cleanHits = 0;

describe(`suppression check, ${LIST.toLocaleString('en')}-entry list, batches of ${BATCH.toLocaleString('en')}`, () => {
  bench(
    'memorySuppressionStore.check (address, @domain, stream)',
    async () => {
      const started = performance.now();
      hits = (await store.check(batch, { stream: 'news' })).size;
      measured.store = Math.max(measured.store, BATCH / ((performance.now() - started) / 1000));
    },
    { iterations: 5, warmupIterations: 1 },
  );

  bench(
    'memorySuppressionStore.check, 2% of the batch listed',
    async () => {
      const started = performance.now();
      cleanHits = (await store.check(mostlyClean, { stream: 'news' })).size;
      measured.clean = Math.max(measured.clean, BATCH / ((performance.now() - started) / 1000));
    },
    { iterations: 5, warmupIterations: 1 },
  );

  bench(
    'ceiling: Set.has over the same addresses',
    () => {
      const started = performance.now();
      let n = 0;
      for (const address of batch) if (plain.has(address)) n += 1;
      measured.set = Math.max(measured.set, BATCH / ((performance.now() - started) / 1000));
      if (n < 0) throw new Error('unreachable');
    },
    { iterations: 5, warmupIterations: 1 },
  );
});

afterAll(() => {
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log(
    `\n[suppression.bench] store.check: ${fmt(measured.store)} addresses/s (best of 5; ${fmt(hits)} hits per batch), ` +
      `${fmt(measured.clean)} addresses/s with ${fmt(cleanHits)} hits per batch, ` +
      `Set.has ceiling: ${fmt(measured.set)} addresses/s, ratio store/Set = ${(measured.store / measured.set).toFixed(2)}; ` +
      `target ≥ 1,000,000 addresses/s (50% hits): ${measured.store >= 1_000_000 ? 'met' : 'NOT met'}`,
  );
});
