import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeMessage, RelayError, type MessageInput } from '@relaykit/core';
import { type SendResult } from '@relaykit/core/adapter';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { ServerClient } from 'postmark';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postmark } from './provider.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'postmark-adapter' });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const context = (signal = new AbortController().signal) => ({
  attempt: 1,
  idempotencyKey: 'k',
  signal,
});
const provider = (extra: Record<string, unknown> = {}) =>
  postmark({ serverToken: sim.postmark.serverToken, baseUrl: sim.url, ...extra });
const message = (input: Partial<MessageInput> = {}) =>
  normalizeMessage({
    from: 'Sender <sender@example.com>',
    to: 'alice@example.org',
    subject: 'Hello',
    text: 'hi',
    ...input,
  } as MessageInput);

const failure = async (promise: Promise<unknown>): Promise<RelayError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RelayError);
    return error as RelayError;
  }
  throw new Error('expected the send to fail');
};

describe('postmark provider against the simulator', () => {
  it("sends a plain message, carrying relaykit's id in Metadata", async () => {
    const m = await message({ id: 'rk_plain', tags: ['welcome'], metadata: { plan: 'pro' } });
    const result = await provider().send(m, context());
    expect(result).toMatchObject({ accepted: ['alice@example.org'], rejected: [] });
    expect(sim.messages).toHaveLength(1);
    expect(sim.messages[0]).toMatchObject({
      id: result.providerMessageId,
      from: 'Sender <sender@example.com>',
      to: ['alice@example.org'],
      subject: 'Hello',
      tags: { Tag: 'welcome' },
      metadata: { plan: 'pro', 'relaykit-message-id': 'rk_plain' },
      stream: 'outbound',
    });
  });

  it('sends attachments (one inline) and custom headers, on the mapped message stream', async () => {
    const m = await message({
      stream: 'outreach',
      html: '<img src="cid:logo">',
      cc: 'bob@example.org',
      headers: { 'X-Campaign': 'spring' },
      attachments: [
        { filename: 'report.pdf', content: Buffer.from('%PDF-1.4') },
        { filename: 'logo.png', content: Buffer.from([137, 80, 78, 71]), cid: 'logo' },
      ],
    });
    const result = await provider({ messageStreams: { outreach: 'broadcast' } }).send(m, context());
    expect(result.accepted).toEqual(['alice@example.org', 'bob@example.org']);
    expect(sim.messages[0]).toMatchObject({
      headers: { 'X-Campaign': 'spring' },
      attachments: 2,
      stream: 'broadcast',
      cc: ['bob@example.org'],
    });
  });

  it('works as a drop-in over a ServerClient the user built', async () => {
    const client = new ServerClient(sim.postmark.serverToken, sim.postmark.clientOptions);
    const result = await postmark({ client }).send(await message(), context());
    expect(result.providerMessageId).toBe(sim.messages[0]?.id);
  });

  it('sends a batch in which one element fails: a result per element, in order', async () => {
    sim.recipients.set('gone@example.org', 'suppressed');
    const messages = await Promise.all([
      message({ to: 'a@example.org' }),
      message({ to: ['gone@example.org'] }),
      message({ to: 'c@example.org' }),
    ]);
    const results = await provider().sendBatch!(messages, {
      attempt: 1,
      signal: new AbortController().signal,
    });
    expect(results).toHaveLength(3);
    expect((results[0] as SendResult).accepted).toEqual(['a@example.org']);
    expect(results[1]).toBeInstanceOf(RelayError);
    expect(results[1]).toMatchObject({
      kind: 'recipient-rejected',
      providerCode: '406',
      recipients: ['gone@example.org'],
    });
    expect((results[2] as SendResult).accepted).toEqual(['c@example.org']);
    expect(sim.messages.map((m) => m.to[0])).toEqual(['a@example.org', 'c@example.org']);
  });

  it('a batch element Postmark cannot carry fails alone, before the call', async () => {
    const messages = await Promise.all([
      message({ to: 'a@example.org' }),
      message({ sendAt: new Date(Date.now() + 60_000) }),
    ]);
    const results = await provider().sendBatch!(messages, {
      attempt: 1,
      signal: new AbortController().signal,
    });
    expect(results[0]).toMatchObject({ accepted: ['a@example.org'] });
    expect(results[1]).toMatchObject({ kind: 'invalid', field: 'sendAt' });
  });

  it('a failed batch call gives every element the error', async () => {
    sim.fail({ provider: 'postmark', operation: 'batch', fault: 'unavailable', times: 1 });
    const messages = await Promise.all([
      message({ to: 'a@example.org' }),
      message({ to: 'b@example.org' }),
    ]);
    const results = await provider().sendBatch!(messages, {
      attempt: 1,
      signal: new AbortController().signal,
    });
    expect(results.map((r) => (r as RelayError).kind)).toEqual([
      'provider-unavailable',
      'provider-unavailable',
    ]);
  });

  describe('every error the simulator produces maps to its documented kind', () => {
    const cases: Array<[string, Parameters<Simulator['fail']>[0], Partial<RelayError>]> = [
      [
        '401 bad token',
        { fault: 'auth' },
        { kind: 'auth', status: 401, providerCode: '10', retryable: false },
      ],
      [
        '422/300 invalid request',
        { fault: 'validation' },
        { kind: 'message-rejected', status: 422, providerCode: '300', retryable: false },
      ],
      [
        '422/405 out of credits',
        { fault: 'quota' },
        { kind: 'provider-unavailable', status: 422, providerCode: '405', retryable: false },
      ],
      [
        '422/405 paused',
        { fault: 'account-paused' },
        { kind: 'provider-unavailable', providerCode: '405', retryable: false },
      ],
      [
        '422/413 account may not send',
        { fault: 'account-suspended' },
        { kind: 'provider-unavailable', providerCode: '413', retryable: false },
      ],
      [
        '429 with Retry-After',
        { fault: 'rate-limit', retryAfterSeconds: 3 },
        { kind: 'rate-limited', status: 429, retryAfterMs: 3000, retryable: true },
      ],
      [
        '429 without headers',
        { fault: 'rate-limit' },
        { kind: 'rate-limited', status: 429, retryAfterMs: undefined },
      ],
      ['500', { fault: 'server-error' }, { kind: 'transient', status: 500, retryable: true }],
      [
        '502',
        { fault: 'server-error', status: 502 },
        { kind: 'transient', status: 502, retryable: true },
      ],
      [
        '503/100 maintenance',
        { fault: 'unavailable' },
        { kind: 'provider-unavailable', status: 503, retryable: true },
      ],
      [
        'connection reset',
        { fault: 'reset' },
        { kind: 'transient', providerCode: 'ECONNRESET', retryable: true },
      ],
    ];
    for (const [label, rule, expected] of cases) {
      it(label, async () => {
        sim.fail({ provider: 'postmark', operation: 'send', ...rule });
        const error = await failure(provider().send(await message(), context()));
        expect(error).toMatchObject({ provider: 'postmark', ...expected });
        expect(error.cause).toBeDefined();
        expect(sim.messages).toHaveLength(0);
      });
    }

    it('422/406 inactive recipient → recipient-rejected naming exactly the inactive addresses', async () => {
      sim.recipients.set('gone@example.org', 'suppressed');
      const m = await message({ to: ['alice@example.org', 'Gone@Example.org'] });
      const error = await failure(provider().send(m, context()));
      expect(error).toMatchObject({
        kind: 'recipient-rejected',
        status: 422,
        providerCode: '406',
        recipients: ['Gone@example.org'],
      });
    });

    it('a stalled request ends when the caller aborts (ABORT_ERR, not retried)', async () => {
      sim.fail({ provider: 'postmark', operation: 'send', fault: 'stall' });
      const error = await failure(
        provider().send(await message(), context(AbortSignal.timeout(200))),
      );
      expect(error).toMatchObject({
        kind: 'transient',
        providerCode: 'ABORT_ERR',
        retryable: false,
      });
    });

    it('a stalled request ends at timeoutMs', async () => {
      sim.fail({ provider: 'postmark', operation: 'send', fault: 'stall' });
      const error = await failure(provider({ timeoutMs: 300 }).send(await message(), context()));
      expect(error).toMatchObject({ kind: 'transient', providerCode: 'ETIMEDOUT' });
    });

    it('a refused connection is provider-unavailable (ECONNREFUSED)', async () => {
      const server = createServer().listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      await new Promise((resolve) => server.close(resolve));
      const error = await failure(
        postmark({ serverToken: 't', baseUrl: `http://127.0.0.1:${port}` }).send(
          await message(),
          context(),
        ),
      );
      expect(error).toMatchObject({ kind: 'provider-unavailable', providerCode: 'ECONNREFUSED' });
    });
  });
});

describe('postmark: what its refusals say about an address', () => {
  it('reads ErrorCode 406 as an address Postmark holds inactive (hard, suppressed), and nothing else', () => {
    const p = provider();
    const refusal = (providerCode: string) =>
      new RelayError({
        kind: 'recipient-rejected',
        provider: 'postmark',
        providerCode,
        recipients: ['gone@example.org'],
        message: 'refused',
      });
    expect(p.rejectionBounce?.(refusal('406'))).toEqual({ class: 'hard', category: 'suppressed' });
    expect(p.rejectionBounce?.(refusal('300'))).toBeUndefined();
  });
});
