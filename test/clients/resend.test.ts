// The resend SDK's quick-start sends, run with the SDK's Resend and with relaykit's drop-in one
// (only the import differs), then what relaykit adds: suppression, Retry-After and outages.
import { postmark } from '@relaykit/postmark';
import {
  Resend,
  type ClientErrorResponse,
  type ResendClientOptions,
} from '@relaykit/resend/client';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { Resend as SdkResend } from 'resend';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let sim: Simulator;
const clients: Resend[] = [];
const fast = { retry: { minDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  sim = await startSimulator({ seed: 'resend-client' });
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => sim.reset());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.relay.close()));
});

function client(relay: ResendClientOptions['relay'] = fast): Resend {
  const built = new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl, relay });
  clients.push(built);
  return built;
}

const mail = { from: 'you@example.com', to: 'user@example.org', subject: 'hi', text: 'x' };

// The resend README's "Usage" send (node_modules/resend/readme.md) and the batch send of
// https://resend.com/docs/api-reference/emails/send-batch-emails.
async function quickStart(Client: typeof SdkResend | typeof Resend) {
  const resend = new Client(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl });
  const sent = await resend.emails.send({
    from: 'you@example.com',
    to: 'user@gmail.com',
    replyTo: 'you@example.com',
    subject: 'hello world',
    text: 'it works!',
  });
  const batch = await resend.batch.send([
    {
      from: 'Acme <onboarding@resend.dev>',
      to: ['foo@gmail.com'],
      subject: 'hello world',
      html: '<h1>it works!</h1>',
    },
    {
      from: 'Acme <onboarding@resend.dev>',
      to: ['bar@outlook.com'],
      subject: 'world hello',
      html: '<p>it works!</p>',
    },
  ]);
  if (resend instanceof Resend) clients.push(resend);
  return { sent, batch };
}

describe('@relaykit/resend/client: the SDK quick start with one changed import', () => {
  it('emails.send and batch.send answer what the SDK answers', async () => {
    const sdk = await quickStart(SdkResend);
    const ours = await quickStart(Resend);
    expect(Object.keys(ours.sent).sort()).toEqual(Object.keys(sdk.sent).sort());
    expect(ours.sent.error).toBeNull();
    expect(Object.keys(ours.sent.data ?? {})).toEqual(Object.keys(sdk.sent.data ?? {}));
    expect(Object.keys(ours.batch.data ?? {})).toEqual(Object.keys(sdk.batch.data ?? {}));
    const ids = sim.messages.slice(3).map((m) => m.id);
    expect([ours.sent.data?.id, ...(ours.batch.data?.data.map((d) => d.id) ?? [])]).toEqual(ids);
    expect(sim.messages.slice(3).map((m) => m.to)).toEqual([
      ['user@gmail.com'],
      ['foo@gmail.com'],
      ['bar@outlook.com'],
    ]);
  });

  it('carries tags, headers, attachments and the idempotency key', async () => {
    const resend = client();
    const { error } = await resend.emails.send(
      {
        ...mail,
        tags: [
          { name: 'category', value: 'confirm_email' },
          { name: 'welcome', value: 'welcome' },
        ],
        headers: { 'X-Entity-Ref-ID': '123' },
        attachments: [{ filename: 'invoice.txt', content: Buffer.from('total: 1') }],
      },
      { idempotencyKey: 'welcome-user/123' },
    );
    expect(error).toBeNull();
    const [sent] = sim.messages;
    expect(sent?.tags).toMatchObject({ category: 'confirm_email', welcome: 'welcome' });
    expect(sent?.headers['X-Entity-Ref-ID']).toBe('123');
    expect(sent?.attachments).toBe(1);
    expect(sent?.idempotencyKey).toBe('welcome-user/123');
  });
});

describe('@relaykit/resend/client: templates', () => {
  beforeEach(() => {
    sim.templates.clear();
    sim.templates.set('order-confirmation', { subject: 'Order {{PRODUCT}}', text: 'Thanks' });
  });

  // The template send of https://resend.com/docs/dashboard/templates/introduction ("Send with a
  // template"): template.id and template.variables in place of subject and body.
  it('emails.send and batch.send with a template answer what the SDK answers', async () => {
    const sdk = new SdkResend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl });
    const resend = client();
    const email = {
      from: 'Acme <onboarding@resend.dev>',
      to: ['delivered@resend.dev'],
      template: { id: 'order-confirmation', variables: { PRODUCT: 'Vintage Macintosh' } },
    };
    const theirs = await sdk.emails.send(email);
    const ours = await resend.emails.send(email);
    expect(Object.keys(ours.data ?? {})).toEqual(Object.keys(theirs.data ?? {}));
    expect(ours.error).toBeNull();
    expect(sim.messages[1]).toMatchObject({
      subject: 'Order Vintage Macintosh',
      template: 'order-confirmation',
    });
    const batch = await resend.batch.send([email, { ...email, to: ['other@example.org'] }]);
    expect(batch.data?.data).toHaveLength(2);

    const missing = await resend.emails.send({ ...email, template: { id: 'nope' } });
    expect(missing.error).toMatchObject({ name: 'not_found', statusCode: 404 });
  });
});

describe('@relaykit/resend/client: what relaykit adds', () => {
  it('a suppressed address resolves as a validation_error with relaykit reason, nothing sent', async () => {
    const resend = client();
    await resend.relay.suppressions.add('gone@example.org', { reason: 'complaint' });
    const { data, error } = await resend.emails.send({ ...mail, to: 'gone@example.org' });
    expect(data).toBeNull();
    expect(error).toMatchObject({ name: 'validation_error', statusCode: 422 });
    expect((error as ClientErrorResponse).relaykit.recipients).toEqual([
      { address: 'gone@example.org', status: 'suppressed', reason: 'complaint' },
    ]);
    expect(sim.messages).toHaveLength(0);

    const batch = await resend.batch.send(
      [
        { ...mail, to: 'gone@example.org' },
        { ...mail, to: 'ok@example.org' },
      ],
      { batchValidation: 'permissive' },
    );
    expect(batch.data?.data).toEqual([{ id: sim.messages[0]?.id }]);
    expect(batch.data?.errors.map((e) => e.index)).toEqual([0]);
    expect(batch.data?.errors[0]?.message).toContain('gone@example.org (suppressed: complaint)');
  });

  it('a 429 with Retry-After is waited out and the send succeeds', async () => {
    const rule = sim.fail({
      provider: 'resend',
      fault: 'rate-limit',
      retryAfterSeconds: 1,
      times: 1,
    });
    const resend = client();
    const started = Date.now();
    const { data, error } = await resend.emails.send(mail);
    expect(error).toBeNull();
    expect(rule.hits()).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(data?.id).toBe(sim.messages[0]?.id);
  });

  it('a 429 that outlasts the retries resolves as rate_limit_exceeded', async () => {
    sim.fail({ provider: 'resend', fault: 'rate-limit', retryAfterSeconds: 1 });
    const resend = client({
      retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 20 },
      throttle: false,
    });
    const { data, error } = await resend.emails.send(mail);
    expect(data).toBeNull();
    expect(error).toMatchObject({ name: 'rate_limit_exceeded', statusCode: 429 });
  });

  it('an outage is retried, then resolves as application_error 503; with a backup it fails over', async () => {
    const rule = sim.fail({ provider: 'resend', fault: 'unavailable' });
    const alone = client({
      retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 },
      throttle: false,
    });
    const { data, error } = await alone.emails.send(mail);
    expect(data).toBeNull();
    expect(error).toMatchObject({ name: 'application_error', statusCode: 503 });
    expect(rule.hits()).toBe(3);

    const backed = client({
      ...fast,
      throttle: false,
      providers: [postmark({ serverToken: sim.postmark.serverToken, baseUrl: sim.url })],
    });
    const sent = await backed.emails.send(mail);
    expect(sent.error).toBeNull();
    expect(sim.messages.map((m) => m.provider)).toEqual(['postmark']);
    expect(sent.data?.id).toBe(sim.messages[0]?.id);
  });

  it('refuses options and fields it cannot honour, naming them', async () => {
    expect(() => new Resend(sim.resend.apiKey, { userAgent: 'mine/1.0' })).toThrow(
      /cannot honour userAgent/u,
    );
    const resend = client();
    const topic = await resend.emails.send({ ...mail, topicId: 'topic-1' });
    expect(topic.error).toMatchObject({ name: 'validation_error' });
    expect(topic.error?.message).toMatch(/\] topicId: /u);
    const headers = await resend.emails.send(mail, { headers: { 'x-a': 'b' } });
    expect(headers.error?.message).toMatch(/\] headers: /u);
    // Strict batch validation: one bad message refuses the batch before anything is sent.
    const strict = await resend.batch.send([mail, { ...mail, to: 'not an address' }]);
    expect(strict.error).toMatchObject({ name: 'validation_error', statusCode: 422 });
    expect(sim.messages).toHaveLength(0);
  });
});
