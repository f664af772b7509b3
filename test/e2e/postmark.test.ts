import {
  createRelay,
  serveWebhooks,
  type DeliveryEvent,
  type Relay,
  type WebhookServer,
} from '@relaykit/core';
import { postmark } from '@relaykit/postmark';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForEvent } from '../support/events.ts';

// Both of Postmark's webhook checks at once: credentials in the URL (Basic) and a custom header.
const basicAuth = { username: 'postmark-hooks', password: 'e2e-password: with spaces & symbols' };
const secretHeader = { name: 'X-Webhook-Secret', value: 'e2e-shared-secret' };
const from = 'Shop <orders@mail.shop.test>';

let sim: Simulator;
let relay: Relay;
let hooks: WebhookServer;
let seen: DeliveryEvent[];

const until = (predicate: (e: DeliveryEvent) => boolean, timeoutMs = 5000) =>
  waitForEvent(relay, predicate, { seen, timeoutMs });

beforeAll(async () => {
  sim = await startSimulator({
    seed: 'postmark-e2e',
    webhooks: { secrets: { postmark: { ...basicAuth, header: secretHeader } } },
  });
});
afterAll(async () => {
  await hooks?.close();
  await sim?.stop();
});
beforeEach(async () => {
  await hooks?.close();
  sim.reset();
  relay = createRelay({
    providers: [
      postmark({
        serverToken: sim.postmark.serverToken,
        baseUrl: sim.url,
        webhook: { basicAuth, secretHeader },
      }),
    ],
    retry: { minDelayMs: 5, maxDelayMs: 20 },
    throttle: false,
  });
  seen = [];
  relay.on('event', (e) => seen.push(e));
  hooks = await serveWebhooks(relay);
  sim.setWebhookUrl('postmark', `${hooks.url}/postmark`);
});

const webhookRequest = (headers: Record<string, string>, body: string) =>
  new Request(`${hooks.url}/postmark`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('postmark end to end through the simulator', () => {
  it('sends, and the signed-in Delivery webhook finds its message', async () => {
    const report = await relay.send({
      from,
      to: 'ada@example.org',
      subject: 'Receipt',
      text: 'Thanks',
      tags: ['receipt', 'eu'],
      metadata: { order: 'A-1' },
    });
    expect(report).toMatchObject({ status: 'sent', provider: 'postmark' });
    const delivered = await until((e) => e.type === 'delivered');
    expect(delivered).toMatchObject({
      provider: 'postmark',
      messageId: report.messageId,
      providerMessageId: report.providerMessageId,
      recipient: 'ada@example.org',
      tags: ['receipt', 'eu'],
      metadata: { order: 'A-1' },
    });
    expect((await relay.status(report.messageId)).map((s) => s.status)).toEqual(['delivered']);
    await sim.idle();
    expect(sim.events.every((e) => e.responseStatus === 200)).toBe(true);
  });

  it('a hard bounce is classified hard and suppresses the address', async () => {
    sim.recipients.set('gone@example.org', 'hard-bounce');
    const report = await relay.send({ from, to: 'gone@example.org', subject: 'Hi', text: 'x' });
    const bounced = await until((e) => e.type === 'bounced');
    expect(bounced).toMatchObject({
      messageId: report.messageId,
      recipient: 'gone@example.org',
      bounce: { class: 'hard', smtpStatus: 550 },
    });
    await sim.idle();
    expect((await relay.suppressions.check(['gone@example.org'])).has('gone@example.org')).toBe(
      true,
    );
    const again = await relay.send({
      from,
      to: 'gone@example.org',
      subject: 'Hi again',
      text: 'x',
    });
    expect(again.recipients[0]?.status).toBe('suppressed');
    expect(sim.messages).toHaveLength(1);
  });

  it('deferrals, blocks and complaints map to their events', async () => {
    sim.recipients.set('slow@example.org', 'defer');
    sim.recipients.set('blocked@example.org', 'block');
    sim.recipients.set('angry@example.org', 'complaint');
    await relay.send({
      from,
      to: ['slow@example.org', 'blocked@example.org', 'angry@example.org'],
      subject: 'Hi',
      text: 'x',
    });
    const deferred = await until(
      (e) => e.type === 'deferred' && e.recipient === 'slow@example.org',
    );
    // 421 4.7.28: the receiver slows the sender down; never charged to the recipient.
    expect(deferred.bounce).toMatchObject({ smtpStatus: 421, enhancedStatus: '4.7.28' });
    expect(deferred.bounce?.class).not.toBe('hard');
    await until((e) => e.type === 'delivered' && e.recipient === 'slow@example.org');
    const blocked = await until(
      (e) => e.recipient === 'blocked@example.org' && e.type === 'bounced',
    );
    expect(blocked.bounce?.class).toBe('block');
    await until((e) => e.type === 'complained' && e.recipient === 'angry@example.org');
    await sim.idle();
    const held = await relay.suppressions.check([
      'slow@example.org',
      'blocked@example.org',
      'angry@example.org',
    ]);
    expect([...held.keys()]).toEqual(['angry@example.org']);
  });

  it('an inactive recipient (406) is refused alone, suppressed, and the rest are sent', async () => {
    sim.recipients.set('inactive@example.org', 'suppressed');
    const report = await relay.send({
      from,
      to: ['ada@example.org', 'inactive@example.org'],
      subject: 'Hi',
      text: 'x',
    });
    expect(report.status).toBe('partial');
    expect(report.recipients).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: 'ada@example.org', status: 'sent' }),
        expect.objectContaining({ address: 'inactive@example.org', status: 'rejected' }),
      ]),
    );
    expect(sim.messages.map((m) => m.to)).toEqual([['ada@example.org']]);
    expect(
      (await relay.suppressions.check(['inactive@example.org'])).has('inactive@example.org'),
    ).toBe(true);
  });

  it('wrong or missing credentials get 401 through relay.webhooks.handle and record nothing', async () => {
    await relay.send({ from, to: 'ada@example.org', subject: 'Hi', text: 'x' });
    await until((e) => e.type === 'delivered');
    await sim.idle();
    const original = sim.events.find((e) => e.type === 'Delivery');
    expect(original).toBeDefined();
    const body = (original?.body ?? '').replace('ada@example.org', 'eve@example.org');
    const count = seen.length;
    const good = {
      authorization: basic(basicAuth.username, basicAuth.password),
      'x-webhook-secret': secretHeader.value,
    };
    for (const headers of [
      {},
      { authorization: basic(basicAuth.username, 'guess') },
      { authorization: good.authorization },
      { 'x-webhook-secret': secretHeader.value },
      { ...good, 'x-webhook-secret': 'e2e-shared-secreT' },
    ]) {
      const response = await relay.webhooks.handle(webhookRequest(headers, body));
      expect(response.status).toBe(401);
    }
    // Over the wire as well (what Postmark would see).
    const wire = await fetch(`${hooks.url}/postmark`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(wire.status).toBe(401);
    expect(seen).toHaveLength(count);
    expect(await relay.status('nonexistent')).toEqual([]);

    // The same body with the right credentials is taken, once: a redelivery is a duplicate.
    const accepted = await relay.webhooks.handle(webhookRequest(good, body));
    expect(accepted.status).toBe(200);
    expect(seen).toHaveLength(count + 1);
    expect(seen.at(-1)).toMatchObject({ type: 'delivered', recipient: 'eve@example.org' });
    expect((await relay.webhooks.handle(webhookRequest(good, body))).status).toBe(200);
    expect(seen).toHaveLength(count + 1);
  });

  it('an unreadable body with the right credentials is acknowledged and reported, not a crash', async () => {
    const good = {
      authorization: basic(basicAuth.username, basicAuth.password),
      'x-webhook-secret': secretHeader.value,
    };
    const alerts: string[] = [];
    relay.on('alert', (a) => alerts.push(a.type));
    // Postmark would redeliver a poison message on 5xx; a 4xx would drop it silently.
    expect(
      (await relay.webhooks.handle(webhookRequest(good, '{"RecordType":"Delivery"'))).status,
    ).toBe(200);
    expect(
      (
        await relay.webhooks.handle(
          webhookRequest(good, '{"RecordType":"Delivery","Recipient":42}'),
        )
      ).status,
    ).toBe(200);
    expect(alerts).toEqual(['webhook-unreadable', 'webhook-unreadable']);
    expect(seen).toHaveLength(0);
  });

  it('inbound mail posted to the tracking hook is acknowledged (200), not refused, and records nothing', async () => {
    const good = {
      authorization: basic(basicAuth.username, basicAuth.password),
      'x-webhook-secret': secretHeader.value,
    };
    // Postmark's inbound webhook payload (abridged): no RecordType.
    const inbound = JSON.stringify({
      FromName: 'Ada',
      MessageStream: 'inbound',
      From: 'ada@example.org',
      FromFull: { Email: 'ada@example.org', Name: 'Ada', MailboxHash: '' },
      To: 'support@inbound.example.com',
      ToFull: [{ Email: 'support@inbound.example.com', Name: '', MailboxHash: '' }],
      OriginalRecipient: 'support@inbound.example.com',
      Subject: 'Re: your receipt',
      MessageID: '73e6d360-66eb-11e1-8e72-a8904824019b',
      TextBody: 'Thanks',
      Headers: [],
      Attachments: [],
    });
    expect((await relay.webhooks.handle(webhookRequest(good, inbound))).status).toBe(200);
    expect(seen).toHaveLength(0);
  });
});
