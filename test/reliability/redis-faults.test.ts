import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRelay, RelayError } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';
import { redisStores, type RedisStores } from '@relaykit/redis';
import { afterEach, expect, it, vi } from 'vitest';

/** A free port: listen on 0, read it, close. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A redis-server of the test's own (no persistence), resolved once it accepts connections. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--requirepass',
      'hunter2-secret',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`These tests need redis-server on the PATH: ${error.message}`));
    });
  });
  return child;
}

const stopped: ChildProcess[] = [];
const opened: RedisStores[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) {
    s.redis.disconnect();
    await s.close().catch(() => undefined);
  }
  for (const child of stopped.splice(0)) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
});

async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: Date.now() - started, error };
}

const mail = (to: string) => ({ from: 'shop@example.com', to, subject: 'Hi', text: 'Hello' });

it('with Redis stopped (SIGSTOP) or killed (SIGKILL) mid-run, calls fail typed within storeTimeoutMs, sends are refused, and it recovers without a restart', async () => {
  const port = await freePort();
  let server = await startRedis(port);
  stopped.push(server);
  const events: string[] = [];
  const logged = vi.spyOn(console, 'error');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const stores = redisStores(`redis://:hunter2-secret@127.0.0.1:${port}`, {
    storeTimeoutMs: 1_000,
    prefix: 'faults:',
    onConnection: (e) => {
      expect(e.address).not.toContain('hunter2-secret');
      events.push(e.type);
    },
  });
  opened.push(stores);
  await stores.ready();
  const provider = testingProvider({ events: false });
  const relay = createRelay({ providers: [provider], stores, throttle: false });
  await stores.suppression.add([
    {
      address: 'gone@example.org',
      reason: 'hard-bounce',
      firstSeen: new Date(),
      lastSeen: new Date(),
    },
  ]);
  expect((await relay.send(mail('ok@example.org'))).status).toBe('sent');
  // Every recipient suppressed: nothing goes to the provider.
  expect((await relay.send(mail('gone@example.org'))).status).not.toBe('sent');
  expect(provider.sent.map((m) => m.to[0]?.address)).toEqual(['ok@example.org']);
  const sentBefore = provider.sent.length;

  const expectBounded = (outcome: { ms: number; error: unknown }, store: string) => {
    expect(outcome.error).toBeInstanceOf(RelayError);
    const message = (outcome.error as RelayError).message;
    expect(message).toContain(`the ${store} store`);
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).not.toContain('hunter2-secret');
    expect(outcome.ms).toBeLessThan(1_000 + 500);
  };

  // Stopped: connections stay open, nothing answers.
  server.kill('SIGSTOP');
  expectBounded(await timed(() => stores.suppression.check(['gone@example.org'])), 'suppression');
  expectBounded(await timed(() => stores.dedupe.remember('k', 60_000)), 'dedupe');
  // Fails closed: a send whose suppression check cannot run is refused, not sent unchecked.
  const refused = await timed(() => relay.send(mail('gone@example.org')));
  expect(refused.error).toBeInstanceOf(RelayError);
  expect(refused.ms).toBeLessThan(1_500);
  expectBounded(await timed(() => relay.enqueue(mail('later@example.org'))), 'outbox');
  expect(provider.sent.length).toBe(sentBefore);
  server.kill('SIGCONT');
  expect((await stores.suppression.check(['gone@example.org'])).size).toBe(1);

  // Killed: connections refused while it is down; a new server on the same port takes over.
  server.kill('SIGKILL');
  await new Promise((r) => server.once('exit', r));
  expectBounded(await timed(() => stores.suppression.check(['gone@example.org'])), 'suppression');
  const down = await timed(() => relay.send(mail('gone@example.org')));
  expect(down.error).toBeInstanceOf(RelayError);
  expect(provider.sent.length).toBe(sentBefore);
  server = await startRedis(port);
  stopped.push(server);
  // Same process, same client: it reconnects by itself (this server starts empty: no persistence).
  const deadline = Date.now() + 10_000;
  let recovered = false;
  while (!recovered && Date.now() < deadline) {
    recovered = await stores.suppression.check(['x@example.org']).then(
      () => true,
      () => false,
    );
    if (!recovered) await new Promise((r) => setTimeout(r, 100));
  }
  expect(recovered).toBe(true);
  expect((await relay.send(mail('ok@example.org'))).status).toBe('sent');
  await relay.close();
  // Each outage and each recovery is one event, not a line per retry; nothing went unhandled.
  expect(events).toEqual(['outage', 'recovery', 'outage', 'recovery']);
  expect(logged).not.toHaveBeenCalled();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
}, 60_000);
