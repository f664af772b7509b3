import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';
import { redisStores } from '@relaykit/redis';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'relaykit-redis-faults-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** redis-server with every write fsynced to its append-only file, so a SIGKILL loses nothing. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${out}`)),
      10_000,
    );
    child.stdout?.on('data', () => {
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (e) => reject(new Error(`These tests need redis-server: ${e.message}`)));
  });
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('queue workers on Redis carry a campaign through SIGSTOP and SIGKILL of the server, losing nothing', async () => {
  const port = await freePort();
  let server = await startRedis(port);
  const stores = redisStores(`redis://127.0.0.1:${port}`, {
    storeTimeoutMs: 1_000,
    outbox: { lockMs: 1_000 },
  });
  // A little latency per send, so the outages land mid-campaign.
  const provider = testingProvider({ events: false, latencyMs: 10 });
  const relay = createRelay({
    providers: [provider],
    outbox: stores.outbox,
    throttle: false,
    guard: false,
    suppression: false,
    queue: { concurrency: 8, pollMs: 20, leaseMs: 1_000, backoffMs: [200], jitter: 0 },
  });
  const total = 300;
  const ids = await relay.enqueueMany(
    Array.from({ length: total }, (_, i) => ({
      from: 'news@shop.example.com',
      to: `reader${i}@example.org`,
      subject: `Issue ${i}`,
      text: 'Hello',
    })),
  );
  relay.start();
  const sentIds = () => new Set(provider.sent.map((m) => m.id));
  while (sentIds().size < total / 4) await sleep(10);
  server.kill('SIGSTOP');
  await sleep(2_000);
  server.kill('SIGCONT');
  while (sentIds().size < total / 2) await sleep(10);
  server.kill('SIGKILL');
  await new Promise((r) => server.once('exit', r));
  await sleep(1_000);
  server = await startRedis(port);
  const deadline = Date.now() + 60_000;
  let counts = await stores.outbox.counts().catch(() => undefined);
  while ((counts?.sent ?? 0) < total && Date.now() < deadline) {
    await sleep(200);
    counts = await stores.outbox.counts().catch(() => undefined);
  }
  await relay.stop();
  const sent = sentIds();
  const deliveries = provider.sent.length;
  console.log(
    `campaign of ${total} through SIGSTOP (2 s) and SIGKILL + restart: outbox ${JSON.stringify(counts)}; ` +
      `provider took ${deliveries} sends for ${sent.size} messages`,
  );
  expect(counts).toMatchObject({ sent: total, queued: 0, inFlight: 0 });
  for (const id of ids) expect(sent.has(id)).toBe(true);
  // Sent twice only when in flight at an outage: at most the concurrency, twice.
  expect(deliveries - sent.size).toBeLessThanOrEqual(2 * 8);
  await stores.close();
}, 120_000);
