import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createRelay, memoryOutbox, type Provider, type Relay } from '@relaykit/core';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { ServerClient } from 'postmark';
import { Resend } from 'resend';
import { mailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import { startSimulator, type ProviderName, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const from = 'Shop <orders@mail.shop.test>';
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'templates-e2e' });
});
afterAll(() => sim?.stop());
beforeEach(() => {
  sim.reset();
  sim.templates.clear();
  sim.templates.set('welcome', {
    subject: 'Welcome {{name}}',
    html: '<p>Your order of {{total}} for {{name}}</p>',
    text: 'Order {{total}}',
  });
});

const factories: Record<ProviderName, () => Provider> = {
  postmark: () => postmark({ serverToken: sim.postmark.serverToken, baseUrl: sim.url }),
  ses: () => ses({ ...sim.ses.options, webhook: false }),
  mailgun: () =>
    mailgun({
      apiKey: sim.mailgun.apiKey,
      domain: sim.mailgun.domain,
      baseUrl: sim.mailgun.url,
      timeoutMs: 5_000,
      webhook: false,
    }),
  resend: () => resend({ apiKey: sim.resend.apiKey, baseUrl: sim.resend.baseUrl, webhook: false }),
};

const relayOf = (providers: Provider[], extra: Partial<Parameters<typeof createRelay>[0]> = {}) =>
  createRelay({
    providers,
    retry: { minDelayMs: 1, maxDelayMs: 5 },
    throttle: false,
    ...extra,
  });

const welcome = (to: string, name: string) => ({
  from,
  to,
  tags: ['welcome'],
  metadata: { campaign: 'spring' },
  template: { id: 'welcome', data: { name, total: 12 } },
});

describe.each(['postmark', 'ses', 'mailgun', 'resend'] as const)('%s templates', (type) => {
  let relay: Relay;
  beforeEach(() => {
    relay = relayOf([factories[type]()], { outbox: memoryOutbox() });
  });

  it('relay.send renders the stored template with the merge data', async () => {
    const report = await relay.send(welcome('ann@x.test', 'Ann & Co'));
    expect(report.status).toBe('sent');
    expect(report.template).toBe('welcome');
    const [message] = sim.messages;
    expect(message).toMatchObject({
      provider: type,
      template: 'welcome',
      subject: 'Welcome Ann & Co',
      html: '<p>Your order of 12 for Ann &amp; Co</p>',
    });
    const [entry] = await relay.stores.ledger.byMessageId(report.messageId);
    expect(entry?.template).toBe('welcome');
  });

  it('relay.sendBatch sends each recipient its own merge data through the batch call', async () => {
    // The single-send call is down: only the provider's batch call can carry the batch.
    if (type !== 'mailgun')
      sim.fail({ provider: type, operation: 'send', fault: 'unavailable', status: 503 });
    const names = ['a', 'b', 'c', 'd'];
    const results = await relay.sendBatch(names.map((n) => welcome(`${n}@x.test`, n)));
    expect(results.every((r) => r.ok)).toBe(true);
    const subjects = sim.messages.map((m) => [m.to[0], m.subject]).sort();
    expect(subjects).toEqual(names.map((n) => [`${n}@x.test`, `Welcome ${n}`]));
    for (const r of results) expect(r.ok && r.report.template).toBe('welcome');
  });

  it('the queued path sends a templated message', async () => {
    const id = await relay.enqueue(welcome('q@x.test', 'Queued'));
    relay.start();
    try {
      const [message] = await sim.waitForMessages(1);
      expect(message?.subject).toBe('Welcome Queued');
      // The ledger is written once the provider's answer is back.
      const deadline = Date.now() + 5_000;
      let entry = (await relay.stores.ledger.byMessageId(id))[0];
      while (entry === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
        entry = (await relay.stores.ledger.byMessageId(id))[0];
      }
      expect(entry?.template).toBe('welcome');
    } finally {
      await relay.stop();
    }
  });

  it('a missing template is a permanent template error on the first attempt', async () => {
    const attempts: number[] = [];
    relay.on('retry', (e) => attempts.push(e.attempt));
    const error = await relay
      .send({ ...welcome('ann@x.test', 'Ann'), template: { id: 'nope', data: {} } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'template', template: 'nope', retryable: false });
    // One failed attempt, never a second.
    expect(attempts).toEqual([1]);
    expect(sim.messages).toHaveLength(0);
    const [batch] = await relay.sendBatch([
      { ...welcome('b@x.test', 'B'), template: { id: 'nope', data: {} } },
    ]);
    expect(batch?.ok === false && batch.error.kind).toBe('template');
  });
});

describe('a templated campaign makes ceil(recipients / batch limit) calls per provider', () => {
  const recipients = 2_500;
  /** Each adapter with an SDK client of its own whose send calls are counted. */
  const counted: Record<
    ProviderName,
    (calls: { n: number }) => { provider: Provider; limit: number }
  > = {
    postmark: (calls) => {
      const client = new ServerClient(sim.postmark.serverToken, sim.postmark.clientOptions);
      const batch = client.sendEmailBatchWithTemplates.bind(client);
      client.sendEmailBatchWithTemplates = (m) => ((calls.n += 1), batch(m));
      const one = client.sendEmailWithTemplate.bind(client);
      client.sendEmailWithTemplate = (m) => ((calls.n += 1), one(m));
      return { provider: postmark({ client }), limit: 500 };
    },
    ses: (calls) => {
      const client = new SESv2Client({ ...sim.ses.clientConfig, maxAttempts: 1 });
      const send = client.send.bind(client) as (c: unknown) => Promise<unknown>;
      (client as unknown as { send: typeof send }).send = (c) => ((calls.n += 1), send(c));
      return { provider: ses({ client, webhook: false }), limit: 50 };
    },
    mailgun: (calls) => {
      const client = new Mailgun(FormData).client(sim.mailgun.clientOptions);
      const create = client.messages.create.bind(client.messages);
      client.messages.create = (d, m) => ((calls.n += 1), create(d, m));
      return {
        provider: mailgun({ client, domain: sim.mailgun.domain, webhook: false }),
        limit: 1_000,
      };
    },
    resend: (calls) => {
      const client = new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl } as never);
      const batch = client.batch.send.bind(client.batch);
      client.batch.send = (p, o) => ((calls.n += 1), batch(p, o));
      const one = client.emails.send.bind(client.emails);
      client.emails.send = (p, o) => ((calls.n += 1), one(p, o));
      return { provider: resend({ client, webhook: false }), limit: 100 };
    },
  };

  it.each(['postmark', 'ses', 'mailgun', 'resend'] as const)('%s', async (type) => {
    const calls = { n: 0 };
    const { provider, limit } = counted[type](calls);
    const relay = relayOf([provider]);
    const results = await relay.sendBatch(
      Array.from({ length: recipients }, (_, i) => ({
        from,
        to: `reader${i}@x.test`,
        template: { id: 'welcome', data: { name: `Reader ${i}`, total: i } },
      })),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(calls.n).toBe(Math.ceil(recipients / limit));
    expect(sim.messages).toHaveLength(recipients);
    expect(sim.messages.find((m) => m.to[0] === 'reader7@x.test')?.subject).toBe(
      'Welcome Reader 7',
    );
  });
});

describe('mailgun template batches', () => {
  it('sends flat merge data as one call with recipient-variables, escaped per recipient', async () => {
    const relay = relayOf([factories.mailgun()]);
    const names = ['a', 'b "quoted"', 'c'];
    const results = await relay.sendBatch(
      names.map((name, i) => ({
        from,
        to: `r${i}@x.test`,
        template: { id: 'welcome', data: { name, total: 'n/a' } },
      })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    // One call: every copy carries the batch's one Mailgun id.
    expect(new Set(sim.messages.map((m) => m.id)).size).toBe(1);
    expect(sim.messages.map((m) => m.subject).sort()).toEqual(names.map((n) => `Welcome ${n}`));
  });
});

describe('failover with templates', () => {
  it('skips a provider without an id for the template', async () => {
    const relay = relayOf([factories.postmark(), factories.ses()]);
    const report = await relay.send({
      ...welcome('ann@x.test', 'Ann'),
      template: { ids: { ses: 'welcome' }, data: { name: 'Ann', total: 1 } },
    });
    expect(report.provider).toBe('ses');
    expect(sim.messages[0]).toMatchObject({ provider: 'ses', subject: 'Welcome Ann' });
  });

  it('keeps the template and its data when Postmark fails over to SES', async () => {
    sim.templates.set('Welcome-v2', { subject: 'V2 for {{name}}' });
    sim.fail({ provider: 'postmark', fault: 'unavailable', status: 503 });
    const relay = relayOf([factories.postmark(), factories.ses()]);
    const report = await relay.send({
      ...welcome('ann@x.test', 'Ann'),
      template: { id: 'welcome', ids: { ses: 'Welcome-v2' }, data: { name: 'Ann' } },
    });
    expect(report.provider).toBe('ses');
    expect(report.template).toBe('Welcome-v2');
    expect(sim.messages[0]).toMatchObject({
      provider: 'ses',
      subject: 'V2 for Ann',
      templateData: { name: 'Ann' },
    });
  });

  it('refuses a template no provider has an id for', async () => {
    const relay = relayOf([factories.postmark()]);
    await expect(
      relay.send({ ...welcome('a@x.test', 'A'), template: { ids: { ses: 'x' } } }),
    ).rejects.toMatchObject({ kind: 'invalid', field: 'template' });
  });
});
