import { SESv2Client } from '@aws-sdk/client-sesv2';
import { normalizeMessage, RelayError, type Message, type MessageInput } from '@relaykit/core';
import { type SendResult } from '@relaykit/core/adapter';
import { startSimulator, type FaultKind, type Simulator } from '@relaykit/simulator';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ses, type SesProvider } from './provider.ts';

let sim: Simulator;
let provider: SesProvider;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'ses-adapter' });
  provider = ses({
    ...sim.ses.options,
    webhook: false,
    configurationSetName: 'relaykit-events',
  });
});
afterAll(async () => {
  await provider.close?.();
  await sim.stop();
});
beforeEach(() => sim.reset());

const context = (signal = new AbortController().signal) => ({
  attempt: 1,
  idempotencyKey: 'k',
  signal,
});
const message = (input: Partial<MessageInput> = {}) =>
  normalizeMessage({
    from: { address: 'sender@example.com', name: 'Sender' },
    to: 'alice@example.org',
    subject: 'Hello',
    text: 'Hi there',
    ...input,
  });

async function failure(promise: Promise<unknown>): Promise<RelayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayError);
  return error as RelayError;
}

describe('sending through the SDK against the simulator', () => {
  it('sends a plain message with the message id, stream and configuration set', async () => {
    const m = await message({ stream: 'transactional', tags: ['welcome'] });
    const result = await provider.send(m, context());
    expect(result.providerMessageId).toMatch(/-000000$/u);
    expect(result.accepted).toEqual(['alice@example.org']);
    const [sent] = sim.messages;
    expect(sent).toMatchObject({
      id: result.providerMessageId,
      subject: 'Hello',
      stream: 'relaykit-events',
      to: ['alice@example.org'],
    });
    expect(sent?.tags).toMatchObject({
      'relaykit-message-id': m.id,
      'relaykit-stream': 'transactional',
      welcome: 'true',
    });
  });

  it('sends attachments and custom headers as Simple content', async () => {
    const m = await message({
      html: '<p>See attached <img src="cid:logo"></p>',
      headers: { 'X-Campaign': 'spring', 'X-Note': 'café' },
      attachments: [
        { filename: 'report.pdf', content: Buffer.from('%PDF-1.4') },
        { filename: 'logo.png', content: Buffer.from([137, 80, 78, 71]), cid: 'logo' },
      ],
      listUnsubscribe: {
        url: 'https://example.com/u/1',
        mailto: 'unsub@example.com',
        oneClick: true,
      },
      cc: 'bob@example.org',
      bcc: 'carol@example.org',
    });
    await provider.send(m, context());
    const [sent] = sim.messages;
    expect(sent?.attachments).toBe(2);
    expect(sent?.headers).toMatchObject({
      'X-Campaign': 'spring',
      'X-Note': '=?UTF-8?B?Y2Fmw6k=?=',
      'List-Unsubscribe': '<mailto:unsub@example.com>, <https://example.com/u/1>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(sent?.cc).toEqual(['bob@example.org']);
    expect(sent?.bcc).toEqual(['carol@example.org']);
  });

  it('sends raw MIME when asked (or when Simple content cannot carry the message)', async () => {
    const rawProvider = ses({ ...sim.ses.options, webhook: false, content: 'raw' });
    const m = await message({
      headers: { 'X-Campaign': 'spring' },
      attachments: [
        { filename: 'a.txt', content: 'a' },
        { filename: 'b.txt', content: 'b' },
      ],
    });
    await rawProvider.send(m, context());
    expect(sim.messages[0]).toMatchObject({
      subject: 'Hello',
      attachments: 2,
      headers: { 'x-campaign': 'spring' },
      tags: { 'relaykit-message-id': m.id },
    });
    await rawProvider.close?.();
  });

  it('sends a batch: identical content through SendBulkEmail, the rest through parallel SendEmail, results in order', async () => {
    const campaign = (to: string) => message({ to, subject: 'Spring sale', html: '<p>Sale</p>' });
    const batch: Message[] = await Promise.all([
      campaign('a@example.org'),
      message({ to: 'solo@example.org' }),
      campaign('b@example.org'),
      campaign('c@example.org'),
    ]);
    const client = new SESv2Client({ ...sim.ses.clientConfig, maxAttempts: 1 });
    const commands: string[] = [];
    client.middlewareStack.add((next, ctx) => (args) => {
      commands.push(String(ctx['commandName']));
      return next(args);
    });
    const results = await ses({ client, webhook: false }).sendBatch?.(batch, {
      attempt: 1,
      signal: new AbortController().signal,
    });
    expect(commands.sort()).toEqual(['SendBulkEmailCommand', 'SendEmailCommand']);
    expect(results).toHaveLength(4);
    const ok = results as SendResult[];
    ok.forEach((r, i) => expect(r.accepted).toEqual([batch[i]?.to[0]?.address]));
    expect(new Set(ok.map((r) => r.providerMessageId)).size).toBe(4);
    expect(sim.messages).toHaveLength(4);
    for (const m of batch) {
      const sent = sim.messages.find((s) => s.tags['relaykit-message-id'] === m.id);
      expect(sent?.to).toEqual([m.to[0]?.address]);
    }
  });

  it('fails only the refused entries of a bulk call', async () => {
    sim.fail({
      provider: 'ses',
      operation: 'batch',
      recipient: 'b@example.org',
      fault: 'inactive-recipient',
    });
    const batch = await Promise.all(
      ['a@example.org', 'b@example.org'].map((to) => message({ to, subject: 'Same' })),
    );
    const [a, b] =
      (await provider.sendBatch?.(batch, { attempt: 1, signal: new AbortController().signal })) ??
      [];
    expect(a).not.toBeInstanceOf(RelayError);
    expect(b).toBeInstanceOf(RelayError);
    expect(b).toMatchObject({ kind: 'message-rejected', providerCode: 'MESSAGE_REJECTED' });
  });

  it('uses a client you built as it is (drop-in)', async () => {
    const client = new SESv2Client({ ...sim.ses.clientConfig, maxAttempts: 3 });
    const mine = ses({ client, webhook: false });
    expect(mine.client).toBe(client);
    const rule = sim.fail({ provider: 'ses', fault: 'server-error', times: 1 });
    await mine.send(await message(), context());
    // Your client's own retry policy applies: it retried the 500 itself.
    expect(rule.hits()).toBe(1);
    expect(sim.messages).toHaveLength(1);
    await mine.close?.();
    // close() leaves your client alone.
    await mine.send(await message(), context());
  });

  it('builds its own client with SDK retries off, so relaykit owns retries', async () => {
    const rule = sim.fail({ provider: 'ses', fault: 'server-error', times: 5 });
    const error = await failure(provider.send(await message(), context()));
    expect(error.kind).toBe('transient');
    expect(rule.hits()).toBe(1);
  });
});

describe('errors the simulator can produce → RelayError kinds', () => {
  const cases: Array<[FaultKind, string, string, number | undefined]> = [
    ['auth', 'auth', 'UnrecognizedClientException', 403],
    ['validation', 'message-rejected', 'BadRequestException', 400],
    ['inactive-recipient', 'message-rejected', 'MessageRejected', 400],
    ['rate-limit', 'rate-limited', 'TooManyRequestsException', 429],
    ['quota', 'provider-unavailable', 'LimitExceededException', 400],
    ['account-paused', 'provider-unavailable', 'SendingPausedException', 400],
    ['account-suspended', 'provider-unavailable', 'AccountSuspendedException', 400],
    ['unavailable', 'provider-unavailable', 'ServiceUnavailable', 503],
    ['server-error', 'transient', 'InternalServiceErrorException', 500],
    ['reset', 'transient', 'ECONNRESET', undefined],
  ];
  it.each(cases)('%s → %s (%s)', async (fault, kind, providerCode, status) => {
    sim.fail({ provider: 'ses', fault, times: 1 });
    const error = await failure(provider.send(await message(), context()));
    expect(error).toMatchObject({ kind, providerCode, provider: 'ses' });
    expect(error.status).toBe(status);
    expect(error.cause).toBeDefined();
  });

  it('a rate limit with Retry-After carries retryAfterMs', async () => {
    sim.fail({ provider: 'ses', fault: 'rate-limit', retryAfterSeconds: 3, times: 1 });
    expect((await failure(provider.send(await message(), context()))).retryAfterMs).toBe(3000);
  });

  it('a LimitExceededException that is not the daily quota is a rate limit', async () => {
    sim.fail({
      provider: 'ses',
      fault: 'quota',
      message: 'Too many configuration sets.',
      times: 1,
    });
    expect((await failure(provider.send(await message(), context()))).kind).toBe('rate-limited');
  });

  it('an account with sending paused → provider-unavailable', async () => {
    sim.ses.account.sendingEnabled = false;
    expect(await failure(provider.send(await message(), context()))).toMatchObject({
      kind: 'provider-unavailable',
      providerCode: 'SendingPausedException',
    });
  });

  it('a stalled request aborted by the caller → transient (ABORT_ERR), not retried', async () => {
    sim.fail({ provider: 'ses', fault: 'stall', times: 1 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('timeout')), 100);
    expect(await failure(provider.send(await message(), context(controller.signal)))).toMatchObject(
      { kind: 'transient', providerCode: 'ABORT_ERR', retryable: false },
    );
  });

  it('a whole bulk call failing fails every entry with the mapped error', async () => {
    sim.fail({ provider: 'ses', operation: 'batch', fault: 'account-suspended', times: 1 });
    const batch = await Promise.all(
      ['a@example.org', 'b@example.org'].map((to) => message({ to, subject: 'Same' })),
    );
    const results =
      (await provider.sendBatch?.(batch, { attempt: 1, signal: new AbortController().signal })) ??
      [];
    expect(results.map((r) => (r as RelayError).kind)).toEqual([
      'provider-unavailable',
      'provider-unavailable',
    ]);
  });

  it('unsigned requests (no credentials reach SES) → auth', async () => {
    const res = await fetch(`${sim.url}/v2/email/outbound-emails`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
    // Through the SDK the signature is always present; the mapping is covered in errors.test.ts.
  });

  it('a refused connection → provider-unavailable (nothing was sent)', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        server.close(() => resolve(address.port));
      });
    });
    const down = ses({
      webhook: false,
      region: 'us-east-1',
      baseUrl: `http://127.0.0.1:${port}`,
      credentials: sim.ses.credentials,
    });
    expect(await failure(down.send(await message(), context()))).toMatchObject({
      kind: 'provider-unavailable',
      providerCode: 'ECONNREFUSED',
    });
  });
});

describe('accountLimits', () => {
  it('reports GetAccount send quota, and is cached', async () => {
    const fresh = ses({ ...sim.ses.options, webhook: false });
    await fresh.send(await message({ to: ['a@example.org', 'b@example.org'] }), context());
    expect(await fresh.accountLimits?.()).toEqual({
      maxSendRate: 14,
      max24HourSend: 50_000,
      sentLast24Hours: 2,
      sendingEnabled: true,
    });
    sim.ses.account.sendingEnabled = false;
    expect((await fresh.accountLimits?.())?.sendingEnabled).toBe(true);
    const uncached = ses({ ...sim.ses.options, webhook: false, accountLimitsTtlMs: 0 });
    expect((await uncached.accountLimits?.())?.sendingEnabled).toBe(false);
  });

  it('maps GetAccount failures, and can be turned off', async () => {
    sim.fail({ provider: 'ses', operation: 'account', fault: 'auth', times: 1 });
    const fresh = ses({ ...sim.ses.options, webhook: false });
    expect((await failure(fresh.accountLimits?.() as Promise<unknown>)).kind).toBe('auth');
    expect(
      ses({ ...sim.ses.options, webhook: false, accountLimits: false }).accountLimits,
    ).toBeUndefined();
  });
});

describe('options', () => {
  it('refuses bad options with a config error that names the option, never a secret', () => {
    const attempt = (options: unknown) => {
      try {
        ses(options as never);
      } catch (error) {
        return error as RelayError;
      }
      throw new Error('expected a config error');
    };
    expect(
      attempt({
        baseUrl: 'not a url',
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 'super-secret' },
      }),
    ).toMatchObject({ kind: 'config' });
    expect(
      attempt({
        baseUrl: 'not a url',
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 'super-secret' },
      }).message,
    ).not.toContain('super-secret');
    expect(attempt({ regon: 'us-east-1' }).message).toMatch(/unknown option\(s\) regon/u);
    expect(attempt({ endpoint: 'http://127.0.0.1:1', webhook: false })).toMatchObject({
      kind: 'config',
      message: expect.stringMatching(/option endpoint is now called baseUrl/u) as string,
    });
    expect(attempt({ timeoutMs: 0, webhook: false }).message).toMatch(/timeoutMs/u);
    expect(attempt({ messageIdTag: 'has space' }).message).toMatch(/messageIdTag/u);
    expect(attempt({ webhook: { topicArns: ['not-an-arn'] } }).message).toMatch(
      /webhook\.topicArns/u,
    );
    expect(attempt({ client: {} }).message).toMatch(/client/u);
    // Webhooks are verified or explicitly turned off: no silent unverified intake.
    expect(attempt({ region: 'us-east-1' }).message).toMatch(
      /webhook\.topicArns is required.*webhook: false/u,
    );
    expect(ses({ region: 'us-east-1', webhook: false }).webhook).toBeUndefined();
  });

  it('resolves per-message options (configuration set and list management by stream)', async () => {
    const perStream = ses({
      ...sim.ses.options,
      webhook: false,
      configurationSetName: (m) => (m.stream === 'outreach' ? 'outreach-set' : undefined),
      listManagement: (m) =>
        m.stream === 'outreach' ? { contactListName: 'prospects' } : undefined,
    });
    await perStream.send(await message({ stream: 'outreach' }), context());
    await perStream.send(await message({ stream: 'transactional' }), context());
    expect(sim.messages.map((m) => m.stream)).toEqual(['outreach-set', undefined]);
  });

  it('declares honest capabilities', () => {
    expect(provider).toMatchObject({
      name: 'ses',
      type: 'ses',
      capabilities: {
        maxBatchSize: 50,
        idempotency: false,
        scheduling: false,
        inlineAttachments: true,
        maxRecipients: 50,
        // SES's send rate counts recipients; the throttle learns it from here.
        rateUnit: 'recipients',
      },
    });
    expect(ses({ ...sim.ses.options, webhook: false, name: 'ses-eu' }).name).toBe('ses-eu');
  });
});
