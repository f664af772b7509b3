import { createServer } from 'node:net';
import {
  normalizeMessage,
  RelayError,
  type Message,
  type MessageInput,
  type Provider,
} from '@relaykit/core';
import { type SendResult } from '@relaykit/core/adapter';
import { fullTestMessage } from '@relaykit/core/testing';
import { startSimulator, type FailureRule, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mailgun } from './provider.ts';

let sim: Simulator;
let provider: Provider;

const make = (extra: Partial<Parameters<typeof mailgun>[0]> = {}) =>
  mailgun({
    apiKey: sim.mailgun.apiKey,
    domain: sim.mailgun.domain,
    baseUrl: sim.mailgun.url,
    timeoutMs: 2_000,
    webhook: { signingKey: sim.mailgun.webhookSigningKey },
    ...extra,
  });

const message = (input: Partial<MessageInput> = {}): Promise<Message> =>
  normalizeMessage({
    from: 'Shop <orders@mg.example.com>',
    to: 'ada@example.org',
    subject: 'Receipt',
    text: 'Thanks',
    ...input,
  });

const context = (m: Message, signal: AbortSignal = AbortSignal.timeout(5_000)) => ({
  attempt: 1,
  idempotencyKey: m.idempotencyKey,
  signal,
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 'mailgun-adapter' });
});
afterAll(() => sim.stop());
beforeEach(() => {
  sim.reset();
  provider = make();
});

describe('mailgun provider through mailgun.js against the simulator', () => {
  it('sends a plain message, its id and metadata as v: variables', async () => {
    const m = await message({ metadata: { order: 'A-1' }, tags: ['receipt'] });
    const result = await provider.send(m, context(m));
    const [sent] = await sim.waitForMessages(1);
    expect(sent).toMatchObject({
      from: 'Shop <orders@mg.example.com>',
      to: ['ada@example.org'],
      subject: 'Receipt',
      stream: sim.mailgun.domain,
      tags: { receipt: 'receipt' },
    });
    expect(sent?.metadata).toEqual({ order: 'A-1', 'relaykit-message-id': m.id });
    // The response id has angle brackets; providerMessageId is the bare id webhooks carry.
    expect(sent?.id).toBe(`<${result.providerMessageId}>`);
    expect(result).toMatchObject({ accepted: ['ada@example.org'], rejected: [] });
  });

  it('sends attachments, an inline image, reply-to and custom headers', async () => {
    const m = await fullTestMessage({ from: 'Shop <orders@mg.example.com>' });
    const result = await provider.send(m, context(m));
    const [sent] = await sim.waitForMessages(1);
    expect(sent).toMatchObject({
      to: ['a@example.org', 'Bob <b@example.org>'],
      cc: ['c@example.org'],
      bcc: ['d@example.org'],
      attachments: 2,
    });
    expect(sent?.headers).toMatchObject({
      'X-Campaign': 'spring',
      'Reply-To': 'help@example.com',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(result.accepted).toEqual([
      'a@example.org',
      'b@example.org',
      'c@example.org',
      'd@example.org',
    ]);
  });

  it('sends same-content messages as one recipient-variables batch, the rest singly, results in order', async () => {
    const same = await Promise.all(
      ['a@example.org', 'b@example.org', 'c@example.org'].map((to) => message({ to })),
    );
    const other = await message({ to: 'd@example.org', subject: 'Different' });
    const batch = [same[0], other, same[1], same[2]] as Message[];
    const results = await provider.sendBatch?.(batch, {
      attempt: 1,
      signal: AbortSignal.timeout(5_000),
    });
    expect(results).toHaveLength(4);
    const ok = results as SendResult[];
    for (const r of ok) expect(r).not.toBeInstanceOf(Error);
    expect(sim.messages).toHaveLength(2);
    const grouped = sim.messages.find((s) => s.to.length === 3);
    expect(grouped?.to).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);
    expect(grouped?.metadata).toMatchObject({ 'relaykit-batch': '1' });
    const bare = grouped?.id.replace(/^<|>$/gu, '');
    expect(ok.map((r) => r.providerMessageId)).toEqual([
      `${bare}/a@example.org`,
      expect.not.stringContaining('/'),
      `${bare}/b@example.org`,
      `${bare}/c@example.org`,
    ]);
    expect(ok.map((r) => r.accepted)).toEqual([
      ['a@example.org'],
      ['d@example.org'],
      ['b@example.org'],
      ['c@example.org'],
    ]);
  });

  it('sends one call per message when batching is off', async () => {
    const p = make({ batch: false, batchConcurrency: 2 });
    const batch = await Promise.all(
      ['a@example.org', 'b@example.org', 'c@example.org'].map((to) => message({ to })),
    );
    const results = await p.sendBatch?.(batch, { attempt: 1, signal: AbortSignal.timeout(5_000) });
    expect(results?.every((r) => !(r instanceof Error))).toBe(true);
    expect(sim.messages).toHaveLength(3);
  });

  it('fails exactly the messages of a failed batch call', async () => {
    sim.fail({ provider: 'mailgun', recipient: 'd@example.org', fault: 'validation' });
    const batch = await Promise.all(
      ['a@example.org', 'b@example.org'].map((to) => message({ to })),
    );
    const single = await message({ to: 'd@example.org', subject: 'Other' });
    const results = await provider.sendBatch?.([...batch, single], {
      attempt: 1,
      signal: AbortSignal.timeout(5_000),
    });
    expect(results?.[0]).not.toBeInstanceOf(Error);
    expect(results?.[1]).not.toBeInstanceOf(Error);
    expect(results?.[2]).toBeInstanceOf(RelayError);
  });

  const faults: Array<[string, FailureRule, Partial<RelayError>]> = [
    ['bad API key', { fault: 'auth' }, { kind: 'auth', status: 401 }],
    [
      'invalid address (400)',
      { fault: 'validation' },
      { kind: 'message-rejected', status: 400, field: 'to' },
    ],
    ['domain disabled (403)', { fault: 'account-paused' }, { kind: 'auth', status: 403 }],
    [
      'domain not found (404)',
      { fault: 'validation', status: 404, message: 'Domain not found: mg.example.com' },
      { kind: 'config', status: 404 },
    ],
    [
      'rate limit (429)',
      { fault: 'rate-limit', retryAfterSeconds: 2 },
      { kind: 'rate-limited', status: 429 },
    ],
    ['recipient limit (420)', { fault: 'quota' }, { kind: 'rate-limited', status: 420 }],
    ['server error (500)', { fault: 'server-error' }, { kind: 'transient', status: 500 }],
    ['unavailable (503)', { fault: 'unavailable' }, { kind: 'provider-unavailable', status: 503 }],
    ['connection reset', { fault: 'reset' }, { kind: 'transient', providerCode: 'ECONNRESET' }],
    [
      'no answer (client timeout)',
      { fault: 'stall' },
      { kind: 'transient', providerCode: 'ETIMEDOUT' },
    ],
  ];

  it.each(faults)('maps %s', async (_, rule, expected) => {
    const p = make({ timeoutMs: 300 });
    sim.fail({ provider: 'mailgun', ...rule });
    const m = await message();
    const error = await p.send(m, context(m)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect(error).toMatchObject({ provider: 'mailgun', ...expected });
    expect((error as RelayError).retryable).toBe(
      ['transient', 'provider-unavailable', 'rate-limited'].includes(expected.kind as string),
    );
    expect((error as RelayError).cause).toBeDefined();
  });

  it('maps the 420 "try again after" time to retryAfterMs', async () => {
    sim.fail({ provider: 'mailgun', fault: 'quota' });
    const m = await message();
    const error = (await provider.send(m, context(m)).catch((e: unknown) => e)) as RelayError;
    expect(error.retryAfterMs).toBeGreaterThan(3_500_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(3_600_000);
  });

  it('maps a refused connection to provider-unavailable, never to a 400', async () => {
    const p = mailgun({
      apiKey: 'k',
      domain: 'mg.example.com',
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      webhook: false,
    });
    const m = await message();
    const error = (await p.send(m, context(m)).catch((e: unknown) => e)) as RelayError;
    expect(error).toBeInstanceOf(RelayError);
    expect(error).toMatchObject({
      kind: 'provider-unavailable',
      providerCode: 'ECONNREFUSED',
      retryable: true,
    });
    expect(error.status).toBeUndefined();
  });

  it('stops waiting when the send is aborted', async () => {
    sim.fail({ provider: 'mailgun', fault: 'stall' });
    const m = await message();
    const started = Date.now();
    const error = await provider
      .send(m, context(m, AbortSignal.timeout(100)))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'transient', providerCode: 'ABORT_ERR', retryable: false });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('sends through a client the user built (drop-in)', async () => {
    const { default: Mailgun } = await import('mailgun.js');
    const { default: FormData } = await import('form-data');
    const client = new Mailgun(FormData).client(sim.mailgun.clientOptions);
    const p = mailgun({ client, domain: sim.mailgun.domain, webhook: false });
    const m = await message();
    await p.send(m, context(m));
    expect(sim.messages).toHaveLength(1);
  });
});
