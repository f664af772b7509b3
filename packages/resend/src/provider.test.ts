import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRelay,
  normalizeMessage,
  RelayError,
  type Message,
  type MessageInput,
} from '@relaykit/core';
import { type SendContext, type SendResult, type WebhookRequest } from '@relaykit/core/adapter';
import {
  startSimulator,
  startWebhookReceiver,
  type Simulator,
  type WebhookReceiver,
} from '@relaykit/simulator';
import { Resend } from 'resend';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resend } from './provider.ts';

let sim: Simulator;

interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A pass-through proxy in front of the simulator that records every request it forwards. */
async function recordingProxy(
  target: string,
): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([k]) => k !== 'host' && k !== 'content-length' && k !== 'connection',
        ),
      ) as Record<string, string>;
      fetch(`${target}${req.url ?? ''}`, {
        method: req.method ?? 'POST',
        headers,
        body: Buffer.concat(chunks),
      })
        .then(async (r) => {
          res.writeHead(r.status, Object.fromEntries(r.headers));
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.socket?.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const provider = (extra: Parameters<typeof resend>[0] = {}) =>
  resend({
    apiKey: sim.resend.apiKey,
    baseUrl: sim.resend.baseUrl,
    webhook: { secret: sim.resend.webhookSecret },
    ...extra,
  });

const message = (input: Partial<MessageInput> = {}) =>
  normalizeMessage({
    from: 'Acme <sender@example.com>',
    to: 'alice@example.org',
    subject: 'Hello',
    text: 'hi',
    ...input,
  } as MessageInput);

const ctx = (m: Message, extra: Partial<SendContext> = {}): SendContext => ({
  attempt: 1,
  idempotencyKey: m.idempotencyKey,
  signal: new AbortController().signal,
  ...extra,
});

async function failure(run: () => Promise<unknown>): Promise<RelayError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(RelayError);
    return error as RelayError;
  }
  throw new Error('expected a RelayError');
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 'resend-adapter' });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

describe('send through the SDK against the simulator', () => {
  it('sends a plain message with relaykit’s id as a tag and its key as Idempotency-Key', async () => {
    const p = provider();
    const m = await message({
      cc: 'carol@example.org',
      replyTo: 'help@example.com',
      tags: ['welcome'],
      metadata: { plan: 'pro' },
      stream: 'transactional',
    });
    const result = await p.send(m, ctx(m));
    expect(result).toEqual({
      providerMessageId: sim.messages[0]?.id,
      accepted: ['alice@example.org', 'carol@example.org'],
      rejected: [],
    });
    expect(sim.messages[0]).toMatchObject({
      from: 'Acme <sender@example.com>',
      to: ['alice@example.org'],
      cc: ['carol@example.org'],
      subject: 'Hello',
      idempotencyKey: m.idempotencyKey,
      tags: {
        relaykit_message_id: m.id,
        relaykit_stream: 'transactional',
        welcome: 'welcome',
        plan: 'pro',
      },
    });
  });

  it('sends attachments and custom headers', async () => {
    const m = await message({
      html: '<img src="cid:logo">',
      headers: { 'X-Entity-Ref': 'order-1' },
      listUnsubscribe: { url: 'https://example.com/u', oneClick: true },
      attachments: [
        { filename: 'a.txt', content: 'hello' },
        { filename: 'logo.png', content: new Uint8Array([1, 2, 3]), cid: 'logo' },
      ],
    });
    await provider().send(m, ctx(m));
    expect(sim.messages[0]).toMatchObject({
      attachments: 2,
      headers: {
        'X-Entity-Ref': 'order-1',
        'List-Unsubscribe': '<https://example.com/u>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
  });

  it('sends a batch through /emails/batch, messages with attachments alone, with per-element results', async () => {
    const proxy = await recordingProxy(sim.url);
    try {
      const p = resend({ apiKey: sim.resend.apiKey, baseUrl: proxy.url, webhook: false });
      const messages = await Promise.all([
        message({ to: 'a@example.org' }),
        message({ to: 'b@example.org', attachments: [{ filename: 'x.txt', content: 'x' }] }),
        message({ to: 'bad@example.org' }),
        message({ to: 'c@example.org' }),
      ]);
      sim.fail({
        provider: 'resend',
        operation: 'batch',
        recipient: 'bad@example.org',
        fault: 'validation',
      });
      const results = await p.sendBatch?.(messages, {
        attempt: 1,
        signal: new AbortController().signal,
      });
      expect(results).toHaveLength(4);
      const [a, b, bad, c] = results ?? [];
      expect(a).toMatchObject({ accepted: ['a@example.org'] });
      expect(b).toMatchObject({ accepted: ['b@example.org'] });
      expect(c).toMatchObject({ accepted: ['c@example.org'] });
      expect(bad).toBeInstanceOf(RelayError);
      expect(bad).toMatchObject({ kind: 'message-rejected', retryable: false });
      expect(proxy.requests.map((r) => r.path)).toEqual(['/emails/batch', '/emails']);
      expect(proxy.requests[0]?.headers['x-batch-validation']).toBe('permissive');
      const ids = new Set(sim.messages.map((s) => s.id));
      for (const r of [a, b, c]) expect(ids.has((r as SendResult).providerMessageId)).toBe(true);
      expect(sim.messages.find((s) => s.to[0] === 'b@example.org')?.idempotencyKey).toBe(
        messages[1]?.idempotencyKey,
      );
    } finally {
      await proxy.close();
    }
  });

  it('retries through the relay with the same Idempotency-Key, and never sends twice', async () => {
    const proxy = await recordingProxy(sim.url);
    try {
      const relay = createRelay({
        providers: [resend({ apiKey: sim.resend.apiKey, baseUrl: proxy.url, webhook: false })],
        retry: { minDelayMs: 1, maxDelayMs: 5 },
      });
      sim.fail({ provider: 'resend', operation: 'send', fault: 'server-error', times: 2 });
      const report = await relay.send({
        from: 'sender@example.com',
        to: 'alice@example.org',
        subject: 'Hi',
        text: 'hi',
        idempotencyKey: 'order-42/receipt',
      });
      expect(report).toMatchObject({ status: 'sent', attempts: 3 });
      const keys = proxy.requests.map((r) => r.headers['idempotency-key']);
      expect(keys).toEqual(['order-42/receipt', 'order-42/receipt', 'order-42/receipt']);
      expect(sim.messages).toHaveLength(1);
      expect(sim.messages[0]?.idempotencyKey).toBe('order-42/receipt');
    } finally {
      await proxy.close();
    }
  });

  it('replays a repeated send instead of sending it again', async () => {
    const p = provider();
    const m = await message();
    const first = await p.send(m, ctx(m));
    const second = await p.send(m, ctx(m, { attempt: 2 }));
    expect(second.providerMessageId).toBe(first.providerMessageId);
    expect(sim.messages).toHaveLength(1);
  });

  it('splits a message per recipient when asked, each copy with its own derived key', async () => {
    const p = provider({ splitRecipients: true });
    const m = await message({ to: ['a@example.org', 'b@example.org'], cc: 'c@example.org' });
    const result = await p.send(m, ctx(m));
    expect(result.accepted).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);
    expect(sim.messages.map((s) => [s.to, s.cc])).toEqual([
      [['a@example.org'], []],
      [['b@example.org'], []],
      [['c@example.org'], []],
    ]);
    expect(new Set(sim.messages.map((s) => s.tags['relaykit_message_id']))).toEqual(
      new Set([m.id]),
    );
    expect(sim.messages[0]?.idempotencyKey).toBe(`${m.idempotencyKey}:split:0`);
    expect(result.raw).toEqual({
      ids: Object.fromEntries(sim.messages.map((s) => [s.to[0], s.id])),
    });
  });

  it('splits a message with attachments into single sends, reporting a refused copy as rejected', async () => {
    const p = provider({ splitRecipients: true });
    const m = await message({
      to: ['a@example.org', 'bad@example.org'],
      attachments: [{ filename: 'x.txt', content: 'x' }],
    });
    sim.fail({
      provider: 'resend',
      operation: 'send',
      recipient: 'bad@example.org',
      fault: 'validation',
    });
    const result = await p.send(m, ctx(m));
    expect(result.accepted).toEqual(['a@example.org']);
    expect(result.rejected).toMatchObject([
      { recipient: 'bad@example.org', error: { kind: 'message-rejected' } },
    ]);
    expect(sim.messages[0]?.idempotencyKey).toBe(`${m.idempotencyKey}:a@example.org`);
  });

  it('takes a client the user built (drop-in)', async () => {
    const p = resend({
      client: new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl }),
      webhook: false,
    });
    const m = await message();
    expect((await p.send(m, ctx(m))).providerMessageId).toBe(sim.messages[0]?.id);
  });

  it('reports the team’s request rate from the rate-limit headers it has seen', async () => {
    const p = provider();
    expect(await p.accountLimits?.()).toBeUndefined();
    sim.fail({ provider: 'resend', fault: 'rate-limit', times: 1 });
    const m = await message();
    await failure(() => p.send(m, ctx(m)));
    expect(await p.accountLimits?.()).toEqual({ maxSendRate: 2 });
  });
});

describe('errors the simulator produces', () => {
  const cases: Array<[string, Parameters<Simulator['fail']>[0], Partial<RelayError>]> = [
    ['auth', { fault: 'auth' }, { kind: 'auth', status: 403, providerCode: 'invalid_api_key' }],
    [
      'validation',
      { fault: 'validation' },
      { kind: 'message-rejected', status: 422, providerCode: 'validation_error', retryable: false },
    ],
    [
      'inactive recipient',
      { fault: 'inactive-recipient' },
      { kind: 'message-rejected', status: 422 },
    ],
    [
      'rate limit',
      { fault: 'rate-limit', retryAfterSeconds: 2 },
      {
        kind: 'rate-limited',
        status: 429,
        providerCode: 'rate_limit_exceeded',
        retryAfterMs: 2000,
      },
    ],
    [
      'daily quota',
      { fault: 'quota' },
      {
        kind: 'provider-unavailable',
        status: 429,
        providerCode: 'daily_quota_exceeded',
        retryAfterMs: 3_600_000,
      },
    ],
    [
      'account paused',
      { fault: 'account-paused' },
      { kind: 'auth', status: 403, providerCode: 'validation_error' },
    ],
    [
      'account suspended',
      { fault: 'account-suspended' },
      { kind: 'auth', status: 403, providerCode: 'validation_error' },
    ],
    ['unavailable', { fault: 'unavailable' }, { kind: 'provider-unavailable', status: 503 }],
    [
      'server error',
      { fault: 'server-error' },
      { kind: 'transient', status: 500, providerCode: 'internal_server_error', retryable: true },
    ],
    ['connection reset', { fault: 'reset' }, { kind: 'transient', providerCode: 'ECONNRESET' }],
  ];

  it.each(cases)('%s', async (_, rule, expected) => {
    sim.fail({ provider: 'resend', ...rule });
    const m = await message();
    const error = await failure(() => provider().send(m, ctx(m)));
    expect(error).toMatchObject({ provider: 'resend', ...expected });
    expect(error.cause).toBeDefined();
  });

  it('a message the API itself refuses (no To, bad From) is message-rejected', async () => {
    const m = await message();
    const noTo = { ...m, to: [] };
    expect(await failure(() => provider().send(noTo, ctx(noTo)))).toMatchObject({
      kind: 'message-rejected',
      status: 422,
      providerCode: 'missing_required_field',
      retryable: false,
    });
    const badFrom = { ...m, from: { address: 'not-an-address' } };
    expect(await failure(() => provider().send(badFrom, ctx(badFrom)))).toMatchObject({
      kind: 'message-rejected',
      status: 422,
      providerCode: 'validation_error',
    });
  });

  it('a wrong API key is auth', async () => {
    const m = await message();
    expect(
      await failure(() =>
        resend({ apiKey: 're_wrong', baseUrl: sim.resend.baseUrl, webhook: false }).send(m, ctx(m)),
      ),
    ).toMatchObject({ kind: 'auth', status: 403 });
  });

  it('a stalled request ends at timeoutMs (ETIMEDOUT), or when the caller aborts (ABORT_ERR)', async () => {
    sim.fail({ provider: 'resend', fault: 'stall' });
    const m = await message();
    const timedOut = await failure(() =>
      resend({
        apiKey: sim.resend.apiKey,
        baseUrl: sim.resend.baseUrl,
        webhook: false,
        timeoutMs: 100,
      }).send(m, ctx(m)),
    );
    expect(timedOut).toMatchObject({
      kind: 'transient',
      providerCode: 'ETIMEDOUT',
      retryable: true,
    });
    const aborted = await failure(() =>
      provider().send(m, ctx(m, { signal: AbortSignal.timeout(100) })),
    );
    expect(aborted).toMatchObject({
      kind: 'transient',
      providerCode: 'ABORT_ERR',
      retryable: false,
    });
  });

  it('a refused connection is provider-unavailable (ECONNREFUSED)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const m = await message();
    const error = await failure(() =>
      resend({ apiKey: 're_x', baseUrl: `http://127.0.0.1:${port}`, webhook: false }).send(
        m,
        ctx(m),
      ),
    );
    expect(error).toMatchObject({
      kind: 'provider-unavailable',
      providerCode: 'ECONNREFUSED',
      retryable: true,
    });
  });

  it('a wrong base URL path is a config error', async () => {
    const m = await message();
    expect(
      await failure(() =>
        resend({ apiKey: sim.resend.apiKey, baseUrl: `${sim.url}/v9`, webhook: false }).send(
          m,
          ctx(m),
        ),
      ),
    ).toMatchObject({ kind: 'config', status: 404 });
  });

  it('the same key with another payload is invalid; a concurrent one is transient', async () => {
    const p = provider();
    const m = await message();
    await p.send(m, ctx(m));
    const other = await message({ subject: 'Different' });
    expect(
      await failure(() => p.send(other, ctx(other, { idempotencyKey: m.idempotencyKey }))),
    ).toMatchObject({
      kind: 'invalid',
      status: 409,
      providerCode: 'invalid_idempotent_request',
      field: 'idempotencyKey',
    });
    sim.fail({ provider: 'resend', fault: 'stall', delayMs: 300, times: 1 });
    const slow = await message();
    // Whichever request arrives first holds the key while it stalls; the other is refused.
    const outcomes = await Promise.allSettled([
      p.send(slow, ctx(slow)),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => p.send(slow, ctx(slow))),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(RelayError);
    expect(refused?.reason).toMatchObject({
      kind: 'transient',
      status: 409,
      providerCode: 'concurrent_idempotent_requests',
    });
  });

  it('a whole-batch failure is every element’s error', async () => {
    sim.fail({ provider: 'resend', operation: 'batch', fault: 'rate-limit', retryAfterSeconds: 1 });
    const messages = await Promise.all([
      message({ to: 'a@example.org' }),
      message({ to: 'b@example.org' }),
    ]);
    const results = await provider().sendBatch?.(messages, {
      attempt: 1,
      signal: new AbortController().signal,
    });
    expect(results).toMatchObject([
      { kind: 'rate-limited', retryAfterMs: 1000 },
      { kind: 'rate-limited', retryAfterMs: 1000 },
    ]);
  });
});

describe('webhooks the simulator signs', () => {
  // The simulator signs a webhook only when it posts it, so give it somewhere to post.
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(() => receiver.stop());
  beforeEach(() => sim.setWebhookUrl('resend', receiver.url));
  afterEach(() => sim.setWebhookUrl('resend', undefined));

  const toRequest = (e: { body: string; headers: Record<string, string> }): WebhookRequest => ({
    method: 'POST',
    url: 'http://localhost/resend',
    headers: new Headers(e.headers),
    body: e.body,
  });
  const context = { now: Date.now, remember: async () => true, fetch };

  it('verify and parse into events that find their message', async () => {
    sim.recipients.set('gone@example.org', 'hard-bounce');
    const p = provider();
    const m = await message({ to: ['alice@example.org', 'gone@example.org'] });
    const result = await p.send(m, ctx(m));
    const events = await sim.waitForEvents({ count: 2 });
    const parsed = [];
    for (const e of events) {
      await p.webhook?.verify(toRequest(e), context);
      parsed.push(...((await p.webhook?.parse(toRequest(e), context))?.events ?? []));
    }
    // Resend's delivery event lists the message's whole To list, so it is reported for both
    // addresses; the bounce names the refused one in its DSN and is charged to it alone.
    expect(parsed.map((e) => `${e.type} ${e.recipient}`).sort()).toEqual([
      'bounced gone@example.org',
      'delivered alice@example.org',
      'delivered gone@example.org',
    ]);
    for (const e of parsed)
      expect(e).toMatchObject({
        messageId: m.id,
        providerMessageId: result.providerMessageId,
        provider: 'resend',
      });
    expect(parsed.find((e) => e.recipient === 'alice@example.org')?.type).toBe('delivered');
    expect(parsed.find((e) => e.type === 'bounced')).toMatchObject({
      recipient: 'gone@example.org',
      bounce: { class: 'hard', enhancedStatus: '5.1.1', smtpStatus: 550 },
    });
  });

  it('refuses a webhook signed with another secret', async () => {
    const p = resend({
      apiKey: sim.resend.apiKey,
      baseUrl: sim.resend.baseUrl,
      webhook: { secret: `whsec_${Buffer.from('another').toString('base64')}` },
    });
    const m = await message();
    await p.send(m, ctx(m));
    const [e] = await sim.waitForEvents(1);
    await expect(
      p.webhook?.verify(toRequest(e as { body: string; headers: Record<string, string> }), context),
    ).rejects.toMatchObject({ kind: 'auth' });
  });
});
