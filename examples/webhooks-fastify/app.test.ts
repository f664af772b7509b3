import type { DeliveryEvent, Relay } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createMailRelay } from './relay.ts';

let sim: Simulator;
let relay: Relay;
let app: FastifyInstance;
let base: string;
const events: DeliveryEvent[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  relay = createMailRelay({
    MAILGUN_API_KEY: sim.mailgun.apiKey,
    MAILGUN_DOMAIN: sim.mailgun.domain,
    MAILGUN_URL: sim.mailgun.url,
    MAILGUN_WEBHOOK_SIGNING_KEY: sim.mailgun.webhookSigningKey,
  });
  relay.on('event', (e) => events.push(e));
  app = createApp(relay);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  sim.setWebhookUrl('mailgun', `${base}/webhooks/mailgun`);
});
afterAll(async () => {
  await app.close();
  await relay.close();
  await sim.stop();
});

it('takes signed Mailgun webhooks on Fastify: delivered and a hard bounce that suppresses', async () => {
  sim.recipients.set('gone@example.test', 'hard-bounce');
  const report = await relay.send({
    from: 'Shop <orders@mg.example.com>',
    to: 'ada@example.test',
    subject: 'Your order',
    text: 'Thanks.',
  });
  await relay.send({
    from: 'orders@mg.example.com',
    to: 'gone@example.test',
    subject: 'Your order',
    text: 'Thanks.',
  });
  await sim.idle();
  expect(events).toContainEqual(
    expect.objectContaining({
      type: 'delivered',
      messageId: report.messageId,
      recipient: 'ada@example.test',
    }),
  );
  expect(events).toContainEqual(
    expect.objectContaining({ type: 'bounced', recipient: 'gone@example.test' }),
  );
  expect((await relay.suppressions.check(['gone@example.test'])).has('gone@example.test')).toBe(
    true,
  );
});

it('ignores a redelivered webhook, and answers 401 to a tampered or forged one', async () => {
  const delivered = sim.events.find((e) => e.provider === 'mailgun' && e.state === 'delivered');
  const post = (body: string) =>
    fetch(`${base}/webhooks/mailgun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  const before = events.length;
  // The same bytes again is a redelivery: accepted, recorded once.
  expect((await post(delivered?.body ?? '')).status).toBe(200);
  expect(events.length).toBe(before);
  // The same signature block over other bytes is a tampered request.
  const tampered = JSON.parse(delivered?.body ?? '{}') as { 'event-data': { recipient?: string } };
  tampered['event-data'].recipient = 'victim@example.test';
  expect((await post(JSON.stringify(tampered))).status).toBe(401);
  expect(
    (
      await post(
        JSON.stringify({
          signature: { timestamp: '1', token: 't', signature: 'bad' },
          'event-data': {},
        }),
      )
    ).status,
  ).toBe(401);
  expect(events.length).toBe(before);
});
