import { serveWebhooks, type DeliveryEvent, type Relay, type WebhookServer } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, expect, it } from 'vitest';

const password = 'example-hook-password';
let sim: Simulator;
let server: WebhookServer;
let relay: Relay;
let POST: (request: Request) => Promise<Response>;
const events: DeliveryEvent[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    webhooks: { secrets: { postmark: { username: 'postmark', password } } },
  });
  // The app reads its configuration from the environment on first import, as in production.
  Object.assign(process.env, {
    POSTMARK_SERVER_TOKEN: sim.postmark.serverToken,
    POSTMARK_BASE_URL: sim.url,
    POSTMARK_WEBHOOK_PASSWORD: password,
    RESEND_API_KEY: sim.resend.apiKey,
    RESEND_BASE_URL: sim.resend.baseUrl,
    RESEND_WEBHOOK_SECRET: sim.resend.webhookSecret,
  });
  ({ relay } = await import('./lib/relay.ts'));
  ({ POST } = await import('./app/api/webhooks/[provider]/route.ts'));
  relay.on('event', (e) => events.push(e));
  // Stands in for Next.js: every request to /api/webhooks/* goes to the route's POST.
  server = await serveWebhooks(
    { webhooks: { handle: (request) => POST(request) } },
    { path: '/api/webhooks' },
  );
  sim.setWebhookUrl('postmark', `${server.url}/postmark`);
  sim.setWebhookUrl('resend', `${server.url}/resend`);
});
afterAll(async () => {
  await server.close();
  await relay.close();
  await sim.stop();
});

it('receives Postmark and Resend webhooks through the route handler', async () => {
  sim.recipients.set('gone@example.test', 'hard-bounce');
  const viaPostmark = await relay.send({
    from: 'Shop <orders@mail.shop.test>',
    to: 'ada@example.test',
    subject: 'Hi',
    text: 'Hi',
  });
  const viaResend = await relay.send({
    from: 'Shop <hello@news.shop.test>',
    to: 'gone@example.test',
    subject: 'News',
    text: 'News',
  });
  expect(viaPostmark).toMatchObject({ provider: 'postmark', stream: 'transactional' });
  expect(viaResend).toMatchObject({ provider: 'resend', stream: 'newsletter' });
  await sim.idle();
  expect(events).toContainEqual(
    expect.objectContaining({
      type: 'delivered',
      provider: 'postmark',
      messageId: viaPostmark.messageId,
    }),
  );
  expect(events).toContainEqual(
    expect.objectContaining({
      type: 'bounced',
      provider: 'resend',
      recipient: 'gone@example.test',
      messageId: viaResend.messageId,
    }),
  );
});

it('answers 401 when the Basic credentials are wrong, 404 for an unknown provider', async () => {
  const wrong = await POST(
    new Request('http://localhost/api/webhooks/postmark', {
      method: 'POST',
      headers: { authorization: `Basic ${btoa('postmark:guess')}` },
      body: '{}',
    }),
  );
  expect(wrong.status).toBe(401);
  expect(
    (
      await POST(
        new Request('http://localhost/api/webhooks/sendgrid', { method: 'POST', body: '{}' }),
      )
    ).status,
  ).toBe(404);
});
