import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { nodeWebhookListener, type DeliveryEvent } from '@relaykit/core';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { createMailRelay } from './relay.ts';

const secret = 'example-webhook-secret';
const bounce = JSON.stringify({
  RecordType: 'Bounce',
  ID: 42,
  Type: 'HardBounce',
  Email: 'gone@example.test',
  BouncedAt: '2026-01-01T00:00:00Z',
  MessageID: 'pm-1',
  MessageStream: 'outbound',
  Details: 'smtp;550 5.1.1 no such user',
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function listen(app: express.Express) {
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server?.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/postmark`;
}

const deliver = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Relaykit-Webhook-Secret': secret },
    body: bounce,
    signal: AbortSignal.timeout(5_000),
  });

it('answers 500 saying to mount it raw, rather than hang, when express.json() read the body first', async () => {
  const relay = createMailRelay({
    POSTMARK_SERVER_TOKEN: 'unused',
    POSTMARK_WEBHOOK_SECRET: secret,
  });
  const app = express();
  app.use(express.json());
  app.post('/webhooks/:provider', nodeWebhookListener(relay));
  const response = await deliver(await listen(app));
  expect(response.status).toBe(500);
  expect(await response.text()).toMatch(/before any body parser|express\.raw/u);
});

it('takes the bytes express.raw() kept', async () => {
  const relay = createMailRelay({
    POSTMARK_SERVER_TOKEN: 'unused',
    POSTMARK_WEBHOOK_SECRET: secret,
  });
  const events: DeliveryEvent[] = [];
  relay.on('event', (e) => events.push(e));
  const app = express();
  app.post('/webhooks/:provider', express.raw({ type: '*/*' }), nodeWebhookListener(relay));
  const response = await deliver(await listen(app));
  expect(response.status).toBe(200);
  expect(events).toEqual([
    expect.objectContaining({ type: 'bounced', recipient: 'gone@example.test' }),
  ]);
});
