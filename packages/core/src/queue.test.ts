import { describe, expect, it } from 'vitest';
import { createRelay, type QueueEvent } from './index.ts';
import { backoffDelay, decide, defaultBackoffMs } from './queue.ts';
import { RelayError } from './errors.ts';
import { testingProvider } from './testing/index.ts';

const base = { from: 'orders@mail.shop.test', subject: 'Hi', text: 'Hello' };
const hour = 3_600_000;

function waitFor(relay: ReturnType<typeof createRelay>, n: number): Promise<QueueEvent[]> {
  const seen: QueueEvent[] = [];
  return new Promise((resolve) => {
    relay.on('queue', (e) => {
      seen.push(e);
      if (seen.length === n) resolve(seen);
    });
  });
}

describe('queued sends', () => {
  it('acknowledges an enqueue, then a worker sends it', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider], queue: { pollMs: 5 } });
    const done = waitFor(relay, 2);
    const ids = await relay.enqueueMany([
      { ...base, to: 'a@x.test' },
      { ...base, to: 'b@x.test' },
    ]);
    expect((await relay.outbox.counts()).queued).toBe(2);
    relay.start();
    const events = await done;
    expect(events.map((e) => e.status)).toEqual(['sent', 'sent']);
    await expect.poll(async () => (await relay.outbox.get(ids[0] as string))?.status).toBe('sent');
    await relay.close();
  });

  it('refuses an invalid message at enqueue', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    await expect(relay.enqueue({ ...base, to: 'nope' })).rejects.toMatchObject({
      kind: 'invalid',
      field: 'to[0]',
    });
  });

  it('reschedules a transient failure with backoff and dead-letters a permanent one', async () => {
    const provider = testingProvider();
    provider.script({
      recipient: 'down@x.test',
      outcome: { type: 'fail', kind: 'transient', status: 503 },
    });
    provider.script({
      recipient: 'bad@x.test',
      outcome: { type: 'fail', kind: 'message-rejected', status: 422 },
    });
    const relay = createRelay({
      providers: [provider],
      queue: { pollMs: 5 },
      retry: { attempts: 1 },
    });
    const done = waitFor(relay, 2);
    await relay.enqueueMany([
      { ...base, to: 'down@x.test' },
      { ...base, to: 'bad@x.test' },
    ]);
    relay.start();
    const events = await done;
    const byStatus = Object.fromEntries(events.map((e) => [e.status, e]));
    expect(byStatus['retry']?.at?.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(byStatus['dead']?.error?.kind).toBe('message-rejected');
    // The event can arrive just before the outbox has stored the decision.
    await expect
      .poll(async () => (await relay.outbox.deadLetters()).map((d) => d.status))
      .toEqual(['dead']);
    await relay.close();
  });

  it('expires a message whose lifetime has passed instead of sending it', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider], queue: { pollMs: 5 } });
    const done = waitFor(relay, 1);
    await relay.enqueue({ ...base, to: 'a@x.test' }, { expiresInMs: -1 });
    relay.start();
    expect((await done)[0]?.status).toBe('expired');
    expect(provider.calls).toHaveLength(0);
    await relay.close();
  });

  it('holds a message until sendAt', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider], queue: { pollMs: 5 } });
    const done = waitFor(relay, 1);
    const started = Date.now();
    await relay.enqueue({ ...base, to: 'a@x.test' }, { sendAt: new Date(started + 80) });
    relay.start();
    await done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    await relay.close();
  });
});

describe('queue decisions', () => {
  const queued = {
    id: 'm',
    message: { id: 'm' },
    enqueuedAt: new Date(0),
    dueAt: new Date(0),
    expiresAt: new Date(72 * hour),
    attempts: 0,
  };
  const transient = new RelayError({ kind: 'transient', message: 'x' });

  it('backs off from minutes to hours', () => {
    const delays = defaultBackoffMs.map((_, i) => backoffDelay(i, defaultBackoffMs, 0));
    expect(delays[0]).toBe(60_000);
    expect(delays.at(-1)).toBe(4 * hour);
    expect(backoffDelay(50, defaultBackoffMs, 0)).toBe(4 * hour);
  });

  it('retries until maxAge, then expires', () => {
    const opts = { backoffMs: defaultBackoffMs, jitter: 0 };
    expect(decide(queued, { ok: false, error: transient }, { ...opts, now: 0 }).type).toBe('retry');
    expect(
      decide(
        { ...queued, attempts: 9 },
        { ok: false, error: transient },
        { ...opts, now: 70 * hour },
      ),
    ).toMatchObject({ type: 'done', status: 'expired' });
  });

  it('honours a Retry-After longer than the backoff', () => {
    const limited = new RelayError({ kind: 'rate-limited', message: 'x', retryAfterMs: 2 * hour });
    const d = decide(
      queued,
      { ok: false, error: limited },
      { backoffMs: defaultBackoffMs, jitter: 0, now: 0 },
    );
    expect(d).toMatchObject({ type: 'retry', at: new Date(2 * hour) });
  });
});
