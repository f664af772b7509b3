import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type QueuedMessage } from '@relaykit/core';
import { newMessageId } from '@relaykit/core/adapter';
import { sqliteStores } from '@relaykit/sqlite';
import { bench } from 'vitest';

// The SQLite outbox: enqueue throughput in batches of 1,000 (target ≥ 20,000 messages/s), then a
// worker process over 1,000,000 queued messages (target: RSS under 300 MB). Takes a minute or two.
const day = 86_400_000;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

function batch(n: number, now: number): QueuedMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const id = newMessageId(now);
    return {
      id,
      // A serialised campaign message of ordinary size (~0.5 KB).
      message: {
        id,
        from: { address: 'news@shop.example.com', name: 'Shop' },
        to: [{ address: `reader${i}@example.org` }],
        subject: 'Our autumn collection is here',
        text: 'Hello,\n\nOur autumn collection is in the shop now. '.repeat(6),
        stream: 'outreach',
        idempotencyKey: id,
        tags: ['autumn'],
        metadata: { campaign: 'autumn-2026' },
      },
      enqueuedAt: new Date(now),
      dueAt: new Date(now),
      expiresAt: new Date(now + 3 * day),
      attempts: 0,
    };
  });
}

async function enqueueRate(synchronous: 'full' | 'normal') {
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-bench-'));
  const stores = sqliteStores(join(dir, 'outbox.db'), { synchronous });
  try {
    const total = 100_000;
    const batches = Array.from({ length: total / 1_000 }, () => batch(1_000, Date.now()));
    const t = performance.now();
    for (const b of batches) await stores.outbox.enqueue(b);
    const rate = total / ((performance.now() - t) / 1000);
    console.log(
      `sqlite outbox enqueue (synchronous=${synchronous}), batches of 1,000: ${Math.round(rate).toLocaleString('en')} messages/s ${rate >= 20_000 ? '≥' : 'BELOW'} 20,000/s`,
    );
  } finally {
    stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function millionHeld() {
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-bench-'));
  const file = join(dir, 'outbox.db');
  try {
    const stores = sqliteStores(file, { synchronous: 'normal' });
    const t = performance.now();
    for (let i = 0; i < 1_000; i += 1) await stores.outbox.enqueue(batch(1_000, Date.now()));
    console.log(
      `sqlite outbox: 1,000,000 messages enqueued in ${((performance.now() - t) / 1000).toFixed(1)} s, file ${mb(statSync(file).size)}`,
    );
    stores.close();

    const consumer = fileURLToPath(
      new URL('../reliability/fixtures/outbox-consumer.ts', import.meta.url),
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', consumer],
      {
        env: { ...process.env, DB_FILE: file, FOR_MS: '5000' },
        maxBuffer: 1 << 20,
      },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('result ')) ?? 'result {}';
    const result = JSON.parse(line.slice('result '.length)) as {
      handled: number;
      peakRss: number;
      counts: Record<string, number>;
    };
    console.log(
      `sqlite outbox worker over 1,000,000 queued: peak RSS ${mb(result.peakRss)} ${result.peakRss < 300 * 1024 * 1024 ? '<' : 'NOT BELOW'} 300 MB, ` +
        `${result.handled.toLocaleString('en')} handled in 5 s, counts ${JSON.stringify(result.counts)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

bench(
  'sqlite outbox',
  async () => {
    await enqueueRate('full');
    await enqueueRate('normal');
    await millionHeld();
  },
  { iterations: 1, warmupIterations: 0, warmupTime: 0, time: 0 },
);
