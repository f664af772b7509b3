import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { DeliveryEvent, Relay } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createMailRelay } from './relay.ts';

let sim: Simulator;
let relay: Relay;
let server: ServerType;
let base: string;
const events: DeliveryEvent[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  relay = createMailRelay({
    RESEND_API_KEY: sim.resend.apiKey,
    RESEND_BASE_URL: sim.resend.baseUrl,
    RESEND_WEBHOOK_SECRET: sim.resend.webhookSecret,
  });
  relay.on('event', (e) => events.push(e));
  const app = createApp(relay);
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve(info.port),
    );
  });
  base = `http://127.0.0.1:${port}`;
  sim.setWebhookUrl('resend', `${base}/webhooks/resend`);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await relay.close();
  await sim.stop();
});

it('takes Svix-signed Resend webhooks on Hono: delivered and a complaint that suppresses', async () => {
  sim.recipients.set('angry@example.test', 'complaint');
  const report = await relay.send({
    from: 'Shop <orders@mail.shop.test>',
    to: 'ada@example.test',
    subject: 'Your order',
    text: 'Thanks.',
  });
  await relay.send({
    from: 'orders@mail.shop.test',
    to: 'angry@example.test',
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
    expect.objectContaining({ type: 'complained', recipient: 'angry@example.test' }),
  );
  expect(
    (await relay.suppressions.check(['angry@example.test'])).get('angry@example.test')?.reason,
  ).toBe('complaint');
});

it('answers 401 to a webhook with a bad signature', async () => {
  const forged = await fetch(`${base}/webhooks/resend`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': 'msg_1',
      'svix-timestamp': String(Math.floor(Date.now() / 1000)),
      'svix-signature': 'v1,AAAA',
    },
    body: JSON.stringify({ type: 'email.bounced', data: { to: ['victim@example.test'] } }),
  });
  expect(forged.status).toBe(401);
});
