import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { DeliveryEvent, Relay } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createMailRelay } from './relay.ts';

const secretHeader = { name: 'X-Relaykit-Webhook-Secret', value: 'example-webhook-secret' };
let sim: Simulator;
let relay: Relay;
let server: Server;
let base: string;
const events: DeliveryEvent[] = [];

beforeAll(async () => {
  sim = await startSimulator({ webhooks: { secrets: { postmark: { header: secretHeader } } } });
  relay = createMailRelay({
    POSTMARK_SERVER_TOKEN: sim.postmark.serverToken,
    POSTMARK_BASE_URL: sim.url,
    POSTMARK_WEBHOOK_SECRET: secretHeader.value,
  });
  relay.on('event', (e) => events.push(e));
  server = createApp(relay).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.setWebhookUrl('postmark', `${base}/webhooks/postmark`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await relay.close();
  await sim.stop();
});

it('sends from a route and takes the signed delivery webhook on Express', async () => {
  sim.recipients.set('gone@example.test', 'hard-bounce');
  const order = await fetch(`${base}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.test' }),
  });
  const { messageId } = (await order.json()) as { messageId: string };
  await relay.send({
    from: 'orders@mail.shop.test',
    to: 'gone@example.test',
    subject: 'Your order',
    text: 'Thanks.',
  });
  await sim.idle();
  expect(events).toContainEqual(
    expect.objectContaining({ type: 'delivered', messageId, recipient: 'ada@example.test' }),
  );
  expect(events).toContainEqual(
    expect.objectContaining({
      type: 'bounced',
      recipient: 'gone@example.test',
      bounce: expect.objectContaining({ class: 'hard' }),
    }),
  );
  expect((await relay.suppressions.check(['gone@example.test'])).has('gone@example.test')).toBe(
    true,
  );
});

it('answers 401 to a webhook without the shared secret, and records nothing', async () => {
  const before = events.length;
  const forged = await fetch(`${base}/webhooks/postmark`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ RecordType: 'Bounce', Email: 'victim@example.test' }),
  });
  expect(forged.status).toBe(401);
  expect(events.length).toBe(before);
});
