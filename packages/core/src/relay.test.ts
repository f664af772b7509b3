import { describe, expect, it } from 'vitest';
import { createRelay, RelayError } from './index.ts';
import { testingProvider } from './testing/index.ts';
import type { ThrottlePort } from './ports.ts';

const base = { from: 'Shop <orders@mail.shop.test>', subject: 'Your order', text: 'Thanks!' };
const fast = { minDelayMs: 1, maxDelayMs: 5 };

describe('relay.send', () => {
  it('sends and reports per recipient with the provider message id', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider] });
    const report = await relay.send({ ...base, to: ['a@x.test', 'B <b@y.test>'] });
    expect(report.status).toBe('sent');
    expect(report.recipients.map((r) => [r.address, r.status])).toEqual([
      ['a@x.test', 'sent'],
      ['b@y.test', 'sent'],
    ]);
    expect(report.providerMessageId).toMatch(/^testing-1-/u);
    const ledger = await relay.stores.ledger.byProviderMessageId(
      'testing',
      report.providerMessageId ?? '',
    );
    expect(ledger?.messageId).toBe(report.messageId);
  });

  it('classifies a 550 5.1.1 as recipient-rejected on the first answer: no retry, no failover', async () => {
    const first = testingProvider({ name: 'first' });
    const second = testingProvider({ name: 'second' });
    first.script({
      recipient: 'gone@x.test',
      outcome: { type: 'reject', smtp: '550 5.1.1 <gone@x.test>: user unknown' },
    });
    const relay = createRelay({ providers: [first, second], retry: fast });
    const failovers: unknown[] = [];
    relay.on('failover', (e) => failovers.push(e));
    const report = await relay.send({ ...base, to: 'gone@x.test' });
    expect(report.status).toBe('none');
    expect(report.recipients[0]?.status).toBe('rejected');
    expect(report.recipients[0]?.error?.kind).toBe('recipient-rejected');
    expect(report.recipients[0]?.error?.smtp).toMatchObject({ status: 550, enhanced: '5.1.1' });
    expect(first.calls).toHaveLength(1);
    expect(second.calls).toHaveLength(0);
    expect(failovers).toHaveLength(0);
  });

  it('retries a transient error with one idempotency key across attempts, then succeeds', async () => {
    const provider = testingProvider();
    provider.failNext({ type: 'fail', kind: 'transient', status: 500 }, 2);
    const relay = createRelay({
      providers: [provider],
      retry: { ...fast, attemptsPerProvider: 5 },
    });
    const report = await relay.send({ ...base, to: 'a@x.test', idempotencyKey: 'order-42' });
    expect(report.status).toBe('sent');
    expect(report.attempts).toBe(3);
    expect(provider.calls.map((c) => c.idempotencyKey)).toEqual([
      'order-42',
      'order-42',
      'order-42',
    ]);
    expect(provider.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
  });

  it('fails over to the second provider on a 5xx outage of the first', async () => {
    const first = testingProvider({ name: 'first' });
    const second = testingProvider({ name: 'second' });
    first.script({ outcome: { type: 'fail', kind: 'provider-unavailable', status: 503 } });
    const relay = createRelay({ providers: [first, second], retry: fast });
    const failovers: Array<{ from: string; to: string }> = [];
    relay.on('failover', (e) => failovers.push(e));
    const report = await relay.send({ ...base, to: 'a@x.test' });
    expect(report.provider).toBe('second');
    expect(failovers).toEqual([expect.objectContaining({ from: 'first', to: 'second' })]);
  });

  it('fails over after repeated transient errors, and skips the provider while its circuit is open', async () => {
    const first = testingProvider({ name: 'first' });
    const second = testingProvider({ name: 'second' });
    first.script({ outcome: { type: 'fail', kind: 'transient', status: 500 } });
    const relay = createRelay({
      providers: [first, second],
      retry: fast,
      routing: { failureThreshold: 2, cooldownMs: 60_000 },
    });
    expect((await relay.send({ ...base, to: 'a@x.test' })).provider).toBe('second');
    expect(first.calls).toHaveLength(2);
    expect((await relay.send({ ...base, to: 'b@x.test' })).provider).toBe('second');
    expect(first.calls).toHaveLength(2);
  });

  it('honours Retry-After on a 429', async () => {
    const provider = testingProvider();
    provider.failNext({ type: 'rate-limited', retryAfterMs: 120 });
    const relay = createRelay({ providers: [provider], retry: fast });
    const started = Date.now();
    await relay.send({ ...base, to: 'a@x.test' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('never retries or fails over a message rejection', async () => {
    const first = testingProvider({ name: 'first' });
    const second = testingProvider({ name: 'second' });
    first.failNext({ type: 'fail', kind: 'message-rejected', status: 422 });
    const relay = createRelay({ providers: [first, second], retry: fast });
    await expect(relay.send({ ...base, to: 'a@x.test' })).rejects.toMatchObject({
      kind: 'message-rejected',
    });
    expect(second.calls).toHaveLength(0);
  });

  it('gives up after the attempt budget with the last error', async () => {
    const provider = testingProvider();
    provider.script({ outcome: { type: 'fail', kind: 'transient', status: 502 } });
    const relay = createRelay({
      providers: [provider],
      retry: { ...fast, attempts: 3, attemptsPerProvider: 5 },
    });
    const error = await relay.send({ ...base, to: 'a@x.test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect(error).toMatchObject({ kind: 'transient', status: 502 });
    expect(provider.calls).toHaveLength(3);
  });

  it('times out a hanging provider through the abort signal', async () => {
    const provider = testingProvider();
    provider.failNext({ type: 'timeout' });
    const relay = createRelay({ providers: [provider], retry: fast });
    const report = await relay
      .send({ ...base, to: 'a@x.test' }, { signal: AbortSignal.timeout(50) })
      .catch((e: unknown) => e);
    expect(report).toBeInstanceOf(Error);
  });

  it('refuses invalid messages before any provider call, naming the field', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider] });
    await expect(
      relay.send({ ...base, to: 'a@x.test', subject: 'hi\r\nBcc: victim@x.test' }),
    ).rejects.toMatchObject({ kind: 'invalid', field: 'subject' });
    await expect(relay.send({ ...base, to: [] })).rejects.toMatchObject({
      kind: 'invalid',
      field: 'to',
    });
    await expect(
      relay.send({ ...base, to: 'a@x.test', headers: { 'X-Evil': 'a\nb' } }),
    ).rejects.toMatchObject({ kind: 'invalid' });
    expect(provider.calls).toHaveLength(0);
  });
});

describe('streams', () => {
  const streams = {
    transactional: { domains: ['mail.shop.test'], providers: ['first'] },
    outreach: { domains: ['news.shop.test'], providers: ['second'] },
  };

  it('routes each stream to its own providers', async () => {
    const first = testingProvider({ name: 'first' });
    const second = testingProvider({ name: 'second' });
    const relay = createRelay({ providers: [first, second], streams });
    expect((await relay.send({ ...base, to: 'a@x.test' })).provider).toBe('first');
    expect(
      (
        await relay.send({
          ...base,
          from: 'news@news.shop.test',
          to: 'a@x.test',
          stream: 'outreach',
        })
      ).provider,
    ).toBe('second');
  });

  it('refuses outreach from the transactional domain', async () => {
    const relay = createRelay({
      providers: [testingProvider({ name: 'first' }), testingProvider({ name: 'second' })],
      streams,
    });
    await expect(relay.send({ ...base, to: 'a@x.test', stream: 'outreach' })).rejects.toMatchObject(
      { kind: 'config', field: 'from' },
    );
  });

  it('refuses two streams sharing a From domain at creation', () => {
    expect(() =>
      createRelay({
        providers: [testingProvider()],
        streams: { a: { domains: ['x.test'] }, b: { domains: ['X.test'] } },
      }),
    ).toThrow(/share the From domain x\.test/u);
  });
});

describe('events', () => {
  it('emits the events scripted outcomes imply and folds them into message state', async () => {
    const provider = testingProvider();
    provider.script({
      recipient: 'full@x.test',
      outcome: { type: 'defer', smtp: '452 4.2.2 mailbox full', times: 2 },
    });
    const relay = createRelay({ providers: [provider] });
    const seen: string[] = [];
    relay.on('event', (e) => seen.push(`${e.recipient}:${e.type}`));
    const report = await relay.send({ ...base, to: ['ok@x.test', 'full@x.test'] });
    await provider.settled();
    expect(seen).toContain('ok@x.test:delivered');
    expect(seen.filter((s) => s === 'full@x.test:deferred')).toHaveLength(2);
    const status = await relay.status(report.messageId);
    expect(status.find((s) => s.recipient === 'full@x.test')).toMatchObject({
      status: 'delivered',
      deferrals: 2,
    });
  });

  it('ignores a duplicate event', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider] });
    const event = {
      id: 'e1',
      type: 'delivered' as const,
      provider: 'testing',
      recipient: 'a@x.test',
      at: new Date(),
      tags: [],
      metadata: {},
      raw: null,
      messageId: 'm1',
    };
    expect(await relay.ingest([event])).toHaveLength(1);
    expect(await relay.ingest([event])).toHaveLength(0);
  });
});

describe('per-stream routing', () => {
  it('spreads one stream round-robin while another keeps its priority order', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => testingProvider({ name }));
    const relay = createRelay({
      providers: [a, b, c].filter((p) => p !== undefined),
      streams: {
        transactional: { domains: ['mail.shop.test'], providers: ['a', 'b'] },
        outreach: { domains: ['news.shop.test'], providers: ['b', 'c'], routing: 'round-robin' },
      },
    });
    const used: string[] = [];
    for (let i = 0; i < 4; i += 1)
      used.push((await relay.send({ ...base, to: `t${i}@x.test` })).provider ?? '');
    for (let i = 0; i < 4; i += 1)
      used.push(
        (await relay.send({ ...base, from: 'n@news.shop.test', to: `o${i}@x.test` })).provider ??
          '',
      );
    expect(used.slice(0, 4)).toEqual(['a', 'a', 'a', 'a']);
    expect(used.slice(4).sort()).toEqual(['b', 'b', 'c', 'c']);
  });
});

describe('sendBatch through the providers’ batch calls', () => {
  function counting(name = 'testing') {
    const provider = testingProvider({ name, maxBatchSize: 100 });
    const batches: number[] = [];
    const sendBatch = provider.sendBatch?.bind(provider);
    const wrapped = Object.assign(provider, {
      sendBatch: (
        messages: Parameters<NonNullable<typeof sendBatch>>[0],
        context: Parameters<NonNullable<typeof sendBatch>>[1],
      ) => {
        batches.push(messages.length);
        return (sendBatch as NonNullable<typeof sendBatch>)(messages, context);
      },
    });
    return { provider: wrapped, batches };
  }
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ ...base, to: `r${i}@x.test` }));

  it('chunks messages into the provider’s batch size and records every one', async () => {
    const { provider, batches } = counting();
    // All 250 go to one domain: without the throttle's per-domain pace, to keep the test quick.
    const relay = createRelay({ providers: [provider], throttle: false });
    const results = await relay.sendBatch(many(250));
    // Chunks go out side by side: their order of arrival is not the order of the messages.
    expect(batches.sort((a, b) => b - a)).toEqual([100, 100, 50]);
    expect(results.every((r) => r.ok && r.report.status === 'sent')).toBe(true);
    const first = results[0];
    const entry = first?.ok ? await relay.stores.ledger.byMessageId(first.messageId) : [];
    expect(entry).toHaveLength(1);
  });

  it('sends an element the batch could not take through retry, and reports a refused one', async () => {
    const { provider } = counting();
    provider.script({
      recipient: 'r1@x.test',
      times: 1,
      outcome: { type: 'fail', kind: 'transient', status: 503 },
    });
    provider.script({
      recipient: 'r2@x.test',
      outcome: { type: 'fail', kind: 'message-rejected', status: 422 },
    });
    const relay = createRelay({ providers: [provider], retry: fast });
    const results = await relay.sendBatch(many(3));
    expect(results[0]).toMatchObject({ ok: true, report: { status: 'sent', attempts: 1 } });
    expect(results[1]).toMatchObject({ ok: true, report: { status: 'sent', attempts: 2 } });
    expect(results[2]).toMatchObject({ ok: false, error: { kind: 'message-rejected' } });
    expect(provider.calls.filter((c) => c.message.to[0]?.address === 'r2@x.test')).toHaveLength(1);
  });

  it('counts a failed batch call as the first attempt of the message’s one retry loop', async () => {
    const { provider } = counting();
    provider.script({
      recipient: 'r1@x.test',
      outcome: { type: 'fail', kind: 'transient', status: 503 },
    });
    const retries: number[] = [];
    const relay = createRelay({
      providers: [provider],
      retry: { ...fast, attempts: 3, attemptsPerProvider: 5 },
    });
    relay.on('retry', (r) => {
      if (r.messageId === 'r1') retries.push(r.attempt);
    });
    const results = await relay.sendBatch(
      many(2).map((m, i) => ({ ...m, id: `r${i}`, idempotencyKey: `key-${i}` })),
    );
    expect(results[1]).toMatchObject({ ok: false, error: { kind: 'transient' } });
    const calls = provider.calls.filter((c) => c.message.to[0]?.address === 'r1@x.test');
    // The batch call was attempt 1; the single sends are attempts 2 and 3, with the same key.
    expect(calls.map((c) => [c.attempt, c.idempotencyKey])).toEqual([
      [1, 'key-1'],
      [2, 'key-1'],
      [3, 'key-1'],
    ]);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('fails a batch over to the next provider when the first is down', async () => {
    const first = counting('first');
    const second = counting('second');
    first.provider.script({ outcome: { type: 'fail', kind: 'provider-unavailable', status: 503 } });
    const relay = createRelay({ providers: [first.provider, second.provider], retry: fast });
    const failovers: string[] = [];
    relay.on('failover', (f) => failovers.push(`${f.from}>${f.to}`));
    const results = await relay.sendBatch(many(5));
    expect(results.every((r) => r.ok && r.report.provider === 'second')).toBe(true);
    expect(failovers).toContain('first>second');
  });

  /** A batch call that takes a while, counting how many are in flight at once. */
  function slow(name = 'testing', maxBatchSize = 10) {
    const provider = testingProvider({ name, maxBatchSize });
    const inner = provider.sendBatch?.bind(provider) as NonNullable<typeof provider.sendBatch>;
    const seen = { inFlight: 0, most: 0, batches: 0 };
    provider.sendBatch = async (messages, context) => {
      seen.inFlight += 1;
      seen.batches += 1;
      seen.most = Math.max(seen.most, seen.inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return await inner(messages, context);
      } finally {
        seen.inFlight -= 1;
      }
    };
    return { provider, seen };
  }

  it('sends a provider’s chunks side by side, keeping each result at its message’s index', async () => {
    const { provider, seen } = slow();
    const relay = createRelay({ providers: [provider], throttle: false });
    const messages = many(60);
    const results = await relay.sendBatch(messages);
    expect(seen.batches).toBe(6);
    expect(seen.most).toBeGreaterThan(1);
    expect(results.map((r) => (r.ok ? r.report.recipients[0]?.address : r.error.kind))).toEqual(
      messages.map((m) => m.to),
    );
    // The ledger ties each result to the message the provider was given for it.
    for (const [i, r] of results.entries()) {
      const entries = r.ok ? await relay.stores.ledger.byMessageId(r.messageId) : [];
      expect(entries[0]?.recipients).toEqual([`r${i}@x.test`]);
    }
  });

  it('keeps chunks in flight within the concurrency asked for', async () => {
    const { provider, seen } = slow();
    const relay = createRelay({ providers: [provider], throttle: false });
    const results = await relay.sendBatch(many(50), { concurrency: 2 });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(seen.most).toBe(2);
    const one = slow();
    const serial = createRelay({ providers: [one.provider], throttle: false, concurrency: 1 });
    await serial.sendBatch(many(30));
    expect(one.seen.most).toBe(1);
  });

  it('sends no chunk before the throttle granted each of its messages, and reports the refused', async () => {
    const { provider, seen } = slow('testing', 10);
    const granted = new Set<string>();
    const early: string[] = [];
    const throttle: ThrottlePort = {
      async acquire({ recipients }) {
        const [recipient] = recipients as [string];
        // Every seventh message gets no token before its deadline.
        if (Number(recipient.slice(1, recipient.indexOf('@'))) % 7 === 3)
          throw new RelayError({ kind: 'rate-limited', retryAfterMs: 50, message: 'throttled' });
        await new Promise((resolve) => setTimeout(resolve, 1));
        granted.add(recipient);
      },
      report: () => undefined,
    };
    const inner = provider.sendBatch as NonNullable<typeof provider.sendBatch>;
    provider.sendBatch = (messages, context) => {
      for (const m of messages)
        if (!granted.has(m.to[0]?.address ?? '')) early.push(m.to[0]?.address ?? '');
      return inner(messages, context);
    };
    const relay = createRelay({ providers: [provider], throttle });
    const results = await relay.sendBatch(many(60));
    expect(early).toEqual([]);
    expect(seen.most).toBeGreaterThan(1);
    for (const [i, r] of results.entries()) {
      if (i % 7 === 3) expect(r).toMatchObject({ ok: false, error: { kind: 'rate-limited' } });
      else expect(r).toMatchObject({ ok: true, report: { status: 'sent' } });
    }
  });

  it('sends a chunk whose provider’s circuit opened meanwhile through failover', async () => {
    const first = slow('first', 5);
    const second = counting('second');
    first.provider.script({ outcome: { type: 'fail', kind: 'provider-unavailable', status: 503 } });
    const relay = createRelay({
      providers: [first.provider, second.provider],
      retry: fast,
      throttle: false,
      routing: { failureThreshold: 1, cooldownMs: 60_000 },
    });
    const results = await relay.sendBatch(many(50), { concurrency: 1 });
    expect(results.every((r) => r.ok && r.report.provider === 'second')).toBe(true);
    // The first chunk opened the circuit; the nine after it never reached the provider.
    expect(first.seen.batches).toBe(1);
  });

  it('keeps to one message at a time when asked', async () => {
    const { provider, batches } = counting();
    const relay = createRelay({ providers: [provider] });
    await relay.sendBatch(many(10), { providerBatches: false });
    expect(batches).toEqual([]);
    expect(provider.calls).toHaveLength(10);
  });
});
