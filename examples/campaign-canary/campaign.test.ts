import { serveWebhooks, type Relay, type WebhookServer } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runCampaign } from './campaign.ts';
import { createCampaignRelay } from './relay.ts';

const secretHeader = { name: 'X-Relaykit-Webhook-Secret', value: 'example-webhook-secret' };
let sim: Simulator;
let relay: Relay;
let hooks: WebhookServer;

const recipients = Array.from({ length: 200 }, (_, i) => `reader${i}@list.example.test`);
const campaign = () =>
  runCampaign(relay, {
    recipients,
    message: (to) => ({
      from: 'Shop News <hello@news.shop.test>',
      to,
      subject: 'Spring sale',
      text: 'Everything 20% off.',
      stream: 'newsletter',
    }),
    observeMs: 5_000,
    settleMs: 100,
  });

beforeAll(async () => {
  sim = await startSimulator({ webhooks: { secrets: { postmark: { header: secretHeader } } } });
});
afterAll(() => sim.stop());
beforeEach(async () => {
  await hooks?.close();
  await relay?.close();
  sim.reset();
  relay = createCampaignRelay({
    POSTMARK_SERVER_TOKEN: sim.postmark.serverToken,
    POSTMARK_BASE_URL: sim.url,
    POSTMARK_WEBHOOK_SECRET: secretHeader.value,
  });
  hooks = await serveWebhooks(relay);
  sim.setWebhookUrl('postmark', `${hooks.url}/postmark`);
});

it('sends the rest once the 2% canary comes back clean', async () => {
  const result = await campaign();
  expect(result).toMatchObject({ status: 'sent', sent: 200, held: 0 });
  expect(result.canary).toMatchObject({
    size: 4,
    delivered: 4,
    bounced: 0,
    complained: 0,
    pending: 0,
  });
  expect(sim.messages).toHaveLength(200);
  expect(sim.messages[0]?.stream).toBe('broadcast');
});

it('holds the rest when the canary bounces: only the canary was ever sent', async () => {
  sim.recipients.set('reader1@list.example.test', 'hard-bounce');
  sim.recipients.set('reader3@list.example.test', 'hard-bounce');
  const result = await campaign();
  expect(result).toMatchObject({ status: 'aborted', sent: 4, held: 196 });
  expect(result.canary).toMatchObject({ size: 4, delivered: 2, bounced: 2, bounceRate: 0.5 });
  expect(result.reason).toMatch(/^canary bounce rate 50\.0% is over 5%/u);
  expect(sim.messages).toHaveLength(4);
  // The bounced addresses are suppressed for the next campaign too.
  expect([
    ...(
      await relay.suppressions.check(['reader1@list.example.test', 'reader3@list.example.test'])
    ).keys(),
  ]).toHaveLength(2);
});

it('holds the rest when a canary recipient complains', async () => {
  sim.recipients.set('reader2@list.example.test', 'complaint');
  const result = await campaign();
  expect(result).toMatchObject({ status: 'aborted', held: 196 });
  expect(result.canary).toMatchObject({ complained: 1, complaintRate: 0.25 });
  expect(sim.messages).toHaveLength(4);
});
