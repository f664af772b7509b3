import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outbox, QueuedMessage, SuppressionStore } from '@relaykit/core';
import { postgresStores } from '@relaykit/postgres';
import { redisStores } from '@relaykit/redis';
import { sqliteStores } from '@relaykit/sqlite';
import { bench } from 'vitest';
import { postgresUrl, requirePostgres, uniqueSchema } from '../conformance/postgres-helper.ts';
import { deleteKeys, redisUrl, requireRedis, uniquePrefix } from '../conformance/redis-helper.ts';

// PostgreSQL against SQLite (outbox enqueue and claim) and Redis (suppression batch check), on the
// same machine in one run, printed as rates and ratios. Targets for PostgreSQL on one pool: at
// least 5,000 enqueues/s and 50,000 suppression checks/s.
const messages = 20_000;
const entries = 100_000;
const checked = 100_000;

const queued = (run: string, i: number): QueuedMessage => {
  const now = Date.now();
  return {
    id: `${run}-${i}`,
    message: { id: `${run}-${i}`, subject: 'Bench', to: [{ address: `r${i}@example.org` }] },
    enqueuedAt: new Date(now),
    dueAt: new Date(now - 1),
    expiresAt: new Date(now + 86_400_000),
    attempts: 0,
  };
};
const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);

/** Enqueues one at a time, `parallel` callers at once (a web tier), then claims every message. */
async function outboxRates(outbox: Outbox, run: string, parallel: number) {
  let next = 0;
  let t = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < messages) await outbox.enqueue([queued(run, next++)]);
    }),
  );
  const single = perSecond(messages, performance.now() - t);
  t = performance.now();
  for (let i = 0; i < messages; i += 500)
    await outbox.enqueue(
      Array.from({ length: Math.min(500, messages - i) }, (_, j) => queued(`${run}b`, i + j)),
    );
  const batched = perSecond(messages, performance.now() - t);
  t = performance.now();
  const consumer = outbox.consume(async () => ({ type: 'done', status: 'sent' }), {
    concurrency: 64,
    pollMs: 5,
    leaseMs: 60_000,
  });
  while ((await outbox.counts()).sent < 2 * messages) await new Promise((r) => setTimeout(r, 20));
  await consumer.stop();
  const claimed = perSecond(2 * messages, performance.now() - t);
  return { single, batched, claimed };
}

async function checkRate(store: SuppressionStore) {
  const now = new Date();
  const seed = Array.from({ length: entries }, (_, i) => ({
    address: `u${i}@d${i % 500}.test`,
    reason: 'hard-bounce' as const,
    firstSeen: now,
    lastSeen: now,
  }));
  for (let i = 0; i < seed.length; i += 10_000) await store.add(seed.slice(i, i + 10_000));
  const addresses = Array.from({ length: checked }, (_, i) =>
    i % 2 ? `u${i}@d${i % 500}.test` : `new${i}@d${i % 500}.test`,
  );
  await store.check(addresses.slice(0, 1_000));
  const t = performance.now();
  // Four callers at once, batches of 1,000: a campaign's pre-check on one pool.
  let next = 0;
  let hits = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < checked) {
        const from = next;
        next += 1_000;
        const found = await store.check(addresses.slice(from, from + 1_000));
        hits += found.size;
      }
    }),
  );
  if (hits !== checked / 2) throw new Error(`expected ${checked / 2} hits, got ${hits}`);
  return perSecond(checked, performance.now() - t);
}

bench(
  'postgres stores against sqlite and redis',
  async () => {
    const pgAdmin = await requirePostgres();
    const redisAdmin = await requireRedis();
    const schema = uniqueSchema('bench');
    const prefix = uniquePrefix('bench-pg');
    const dir = mkdtempSync(join(tmpdir(), 'relaykit-bench-'));
    const pg = postgresStores({ connectionString: postgresUrl, schema, max: 16 });
    const sqlite = sqliteStores(join(dir, 'relaykit.db'));
    const redis = redisStores(redisUrl, { prefix });
    try {
      await pg.ready();
      const p = await outboxRates(pg.outbox, 'pg', 16);
      const s = await outboxRates(sqlite.outbox, 'sq', 16);
      console.log(
        `outbox, ${messages.toLocaleString('en')} messages: enqueue one at a time (16 callers) postgres ${p.single.toLocaleString('en')}/s, sqlite ${s.single.toLocaleString('en')}/s (×${(p.single / s.single).toFixed(2)}); ` +
          `batches of 500 postgres ${p.batched.toLocaleString('en')}/s, sqlite ${s.batched.toLocaleString('en')}/s (×${(p.batched / s.batched).toFixed(2)}); ` +
          `claim and settle (concurrency 64) postgres ${p.claimed.toLocaleString('en')}/s, sqlite ${s.claimed.toLocaleString('en')}/s (×${(p.claimed / s.claimed).toFixed(2)})`,
      );
      const pc = await checkRate(pg.suppression);
      const rc = await checkRate(redis.suppression);
      console.log(
        `suppression check, ${entries.toLocaleString('en')} entries, batches of 1,000 (4 callers): postgres ${pc.toLocaleString('en')} addresses/s, redis ${rc.toLocaleString('en')}/s (×${(pc / rc).toFixed(2)})`,
      );
    } finally {
      await pg.close();
      sqlite.close();
      await redis.close();
      rmSync(dir, { recursive: true, force: true });
      await pgAdmin.dropSchema(schema);
      await pgAdmin.close();
      await deleteKeys(redisAdmin.redis, prefix);
      await redisAdmin.close();
    }
  },
  { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
);
