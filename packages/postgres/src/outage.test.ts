import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { RelayError, type QueuedMessage } from '@relaykit/core';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { postgresStores } from './index.ts';

const url = new URL(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test');
const admin = new pg.Pool({ connectionString: url.toString(), max: 1 });
afterAll(() => admin.end());

/** A TCP proxy to PostgreSQL that the test can cut (every connection dropped) and restore. */
async function proxy() {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let paused = false;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(url.port || 5432), url.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      // A stopped server stalls new connections too, not only the open ones.
      if (paused) for (const s of [client, upstream]) s.pause();
    });
    await new Promise<void>((r) => server?.listen(port, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  };
  await listen();
  return {
    port: () => port,
    async cut() {
      const closed = new Promise((r) => server?.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    /** Every connection, open or new, stops moving (bytes held, not lost), like a stopped server. */
    pause() {
      paused = true;
      for (const s of sockets) s.pause();
    },
    resume() {
      paused = false;
      for (const s of sockets) s.resume();
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server?.close(r));
    },
  };
}

it('the outbox workers ride out a PostgreSQL outage: calls fail fast and typed, nothing is lost', async () => {
  const schema = `relaykit_test_outage_${randomBytes(5).toString('hex')}`;
  const link = await proxy();
  const direct = postgresStores({ connectionString: url.toString(), schema, max: 2 });
  const through = postgresStores({
    connectionString: `postgres://postgres:not-a-real-pw@127.0.0.1:${link.port()}${url.pathname}`,
    schema,
    storeTimeoutMs: 500,
  });
  try {
    const total = 400;
    const now = Date.now();
    await direct.outbox.enqueue(
      Array.from({ length: total }, (_, i): QueuedMessage => ({
        id: `m${i}`,
        message: { id: `m${i}` },
        enqueuedAt: new Date(now),
        dueAt: new Date(now - 1),
        expiresAt: new Date(now + 3_600_000),
        attempts: 0,
      })),
    );
    const handled = new Map<string, number>();
    const consumer = through.outbox.consume(
      async (m) => {
        handled.set(m.id, (handled.get(m.id) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 5));
        return { type: 'done', status: 'sent' };
      },
      { concurrency: 8, pollMs: 20, leaseMs: 1_500 },
    );
    while (handled.size < total / 8) await new Promise((r) => setTimeout(r, 5));
    // Stopped: connections open, nothing answers.
    link.pause();
    const pausedAt = Date.now();
    const hung = await through.dedupe.remember('k', 60_000).catch((e: unknown) => e);
    const hungMs = Date.now() - pausedAt;
    expect(hung).toBeInstanceOf(RelayError);
    expect((hung as RelayError).message).toMatch(/did not answer within 500 ms/);
    expect(hungMs).toBeLessThan(1_500);
    link.resume();
    while (handled.size < total / 4) await new Promise((r) => setTimeout(r, 5));
    // Gone: every connection dropped, new ones refused.
    await link.cut();

    const started = Date.now();
    const error = await through.suppression.check(['a@x.test']).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(took).toBeLessThan(1_500);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).message).toMatch(
      new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${link.port()}/`),
    );
    expect((error as RelayError).message).not.toContain('not-a-real-pw');
    const atCut = handled.size;
    await new Promise((r) => setTimeout(r, 1_000));
    await link.restore();

    const deadline = Date.now() + 30_000;
    while ((await direct.outbox.counts()).sent < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await consumer.stop();
    const twice = [...handled.values()].filter((n) => n > 1).length;
    console.log(
      `stopped link: a call failed in ${hungMs} ms; cut link after ${atCut} handled: a call failed in ${took} ms; after recovery all ${total} sent, ${twice} handed out twice (in flight at the stop or the cut)`,
    );
    expect(await direct.outbox.counts()).toMatchObject({ sent: total, queued: 0, inFlight: 0 });
    expect(handled.size).toBe(total);
    // Only messages in flight when the link stopped or went down (at most the concurrency, each
    // time) ran twice.
    expect(twice).toBeLessThanOrEqual(2 * 8);
  } finally {
    // The link goes first: a pool cannot end while its connections sit on a paused link.
    await link.stop();
    await through.close();
    await direct.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}, 60_000);
