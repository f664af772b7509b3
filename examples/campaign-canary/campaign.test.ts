import { serveWebhooks, type Relay, type WebhookServer } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { sendSpringSale } from './campaign.ts';
import { createCampaignRelay } from './relay.ts';

const secretHeader = { name: 'X-Relaykit-Webhook-Secret', value: 'example-webhook-secret' };
let sim: Simulator;
let relay: Relay;
let hooks: WebhookServer;

// 200 readers: most on list.example.test, a fifth on old.example.test (a domain the tests make bad).
const recipients = Array.from(
  { length: 200 },
  (_, i) => `reader${i}@${i % 5 === 0 ? 'old' : 'list'}.example.test`,
);
const campaign = (id: string) =>
  sendSpringSale(relay, {
    id,
    recipients,
    // The simulator answers in milliseconds: no need to wait a minute for late complaints.
    canary: { timeoutMs: 5_000, settleMs: 100 },
  }).done;

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

it('sends the rest once the canary comes back clean', async () => {
  const report = await campaign('spring-clean');
  expect(report).toMatchObject({ status: 'completed', total: 200, released: 200, sent: 200 });
  // 2% of 200 is 4: the canary's smallest size, 20, applies; a fifth of it from old.example.test.
  expect(report.canary).toMatchObject({ size: 20, attempted: 20, verdict: 'passed' });
  expect(sim.messages).toHaveLength(200);
  expect(sim.messages[0]?.stream).toBe('broadcast');
});

it('stops when the canary bounces: only the canary was ever sent, the bounced are suppressed', async () => {
  sim.recipients.set('@old.example.test', 'hard-bounce');
  const report = await campaign('spring-stale');
  expect(report).toMatchObject({ status: 'stopped', released: 20, sent: 20 });
  const breach = report.canary?.breaches[0];
  expect(breach).toMatchObject({ threshold: 'hard-bounce', count: 4, of: 20, rate: 0.2 });
  expect(breach?.domains).toEqual([{ domain: 'old.example.test', profile: 'other', count: 4 }]);
  expect(report.reason).toMatch(/^canary hard-bounce rate 20\.0% \(4 of 20\) is over 5\.0%/u);
  expect(sim.messages).toHaveLength(20);
  // The bounced addresses are suppressed for the next campaign too.
  const bounced = sim.messages
    .map((m) => m.to[0] as string)
    .filter((a) => a.endsWith('@old.example.test'));
  expect([...(await relay.suppressions.check(bounced)).keys()]).toHaveLength(4);
});

it('stops when a canary recipient complains', async () => {
  sim.recipients.set('@old.example.test', 'complaint');
  const report = await campaign('spring-complaints');
  expect(report).toMatchObject({ status: 'stopped', released: 20 });
  expect(report.canary).toMatchObject({ complained: 4, verdict: 'breached' });
  expect(report.canary?.breaches[0]?.threshold).toBe('complaint');
  expect(sim.messages).toHaveLength(20);
});
