import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { RelayError } from '@relaykit/core';
import { afterAll, expect, it } from 'vitest';
import { sqliteStores } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'relaykit-sqlite-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * A second connection, in its own thread (better-sqlite3 blocks the thread it runs on while it
 * waits), that holds BEGIN EXCLUSIVE on the file for `holdMs` and then commits.
 */
async function holdExclusive(file: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require(workerData.driver);
     const db = new Database(workerData.file);
     db.exec('BEGIN EXCLUSIVE');
     parentPort.postMessage('held');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
     db.exec('COMMIT');
     db.close();
     parentPort.postMessage('released');`,
    { eval: true, workerData: { driver, file, holdMs } },
  );
  const released = new Promise<void>((resolve, reject) => {
    worker.on('message', (m) => m === 'released' && resolve());
    worker.on('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m) => m === 'held' && resolve());
    worker.on('error', reject);
  });
  return { released };
}

it('a write that meets an exclusive lock held past the bound fails typed, naming the store and the file, within the bound + 10%', async () => {
  const file = join(dir, 'held.db');
  const stores = sqliteStores(file, { storeTimeoutMs: 500 });
  try {
    const { released } = await holdExclusive(file, 1500);
    const started = performance.now();
    const error = await stores.strikes
      .strike('a@example.com', new Date(), 60_000, 'e1')
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).kind).toBe('transient');
    expect((error as RelayError).message).toContain('strikes store');
    expect((error as RelayError).message).toContain(file);
    expect((error as RelayError).message).toContain('storeTimeoutMs');
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThanOrEqual(550);
    await released;
    // Once the lock is gone the same call goes through.
    await expect(stores.strikes.strike('a@example.com', new Date(), 60_000, 'e2')).resolves.toBe(1);
  } finally {
    stores.close();
  }
});

it('a write that meets an exclusive lock released before the bound waits and succeeds', async () => {
  const file = join(dir, 'released.db');
  const stores = sqliteStores(file, { storeTimeoutMs: 2000 });
  try {
    const { released } = await holdExclusive(file, 300);
    const started = performance.now();
    await expect(stores.strikes.strike('b@example.com', new Date(), 60_000, 'e1')).resolves.toBe(1);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
    await released;
  } finally {
    stores.close();
  }
});

it('a full database (PRAGMA max_page_count) is a typed error that says what to do', async () => {
  const file = join(dir, 'full.db');
  const stores = sqliteStores(file);
  try {
    const pages = (stores.db.pragma('page_count', { simple: true }) as number) + 2;
    stores.db.pragma(`max_page_count = ${pages}`);
    const at = new Date();
    let error: unknown;
    for (let i = 0; i < 200 && error === undefined; i += 1) {
      await stores.suppression
        .add([
          {
            address: `full${i}@example.com`,
            reason: 'hard-bounce',
            source: { detail: 'x'.repeat(2000) },
            firstSeen: at,
            lastSeen: at,
          },
        ])
        .catch((e: unknown) => {
          error = e;
        });
    }
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).message).toContain('suppression store');
    expect((error as RelayError).message).toContain(file);
    expect((error as RelayError).message).toContain('SQLITE_FULL');
    expect((error as RelayError).message).toContain('free space');
    expect(((error as RelayError).cause as { code?: string }).code).toBe('SQLITE_FULL');
  } finally {
    stores.close();
  }
});

it('a read-only database is a typed error that says what to do', async () => {
  const file = join(dir, 'readonly.db');
  sqliteStores(file).close();
  const stores = sqliteStores(new Database(file, { readonly: true }));
  try {
    const error = await stores.strikes
      .strike('c@example.com', new Date(), 60_000, 'e1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).message).toContain('SQLITE_READONLY');
    expect((error as RelayError).message).toContain('read-only');
    expect((error as RelayError).message).toContain(file);
  } finally {
    stores.close();
  }
});
