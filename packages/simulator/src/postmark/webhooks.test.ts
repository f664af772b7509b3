import { ServerClient } from 'postmark';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSimulator,
  startWebhookReceiver,
  type Simulator,
  type WebhookReceiver,
} from '../index.ts';

let sim: Simulator;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sim = await startSimulator({
    seed: 'postmark-hooks',
    webhooks: {
      urls: { postmark: `${receiver.url}/postmark` },
      secrets: {
        postmark: {
          username: 'hook',
          password: 's3cret:pw',
          header: { name: 'X-Webhook-Secret', value: 'shared' },
        },
      },
    },
  });
});
afterAll(async () => {
  await sim.stop();
  await receiver.stop();
});

describe('Postmark webhooks', () => {
  it('posts Delivery and Bounce records with Basic auth, the shared header, MessageID and Metadata', async () => {
    sim.recipients.set('full@example.org', { kind: 'soft-bounce', failures: 1, then: 'bounced' });
    const pm = new ServerClient(sim.postmark.serverToken, sim.postmark.clientOptions);
    const out = await pm.sendEmail({
      From: 'sender@example.com',
      To: 'ok@example.org, full@example.org',
      Subject: 'Hi',
      TextBody: 'x',
      Tag: 'receipt',
      Metadata: { relay_message_id: 'rk_3' },
    });
    const received = await receiver.waitFor(3);
    for (const r of received) {
      expect(r.path).toBe('/postmark');
      expect(r.headers['authorization']).toBe(
        `Basic ${Buffer.from('hook:s3cret:pw').toString('base64')}`,
      );
      expect(r.headers['x-webhook-secret']).toBe('shared');
      const record = JSON.parse(r.body) as Record<string, unknown>;
      expect(record).toMatchObject({
        MessageID: out.MessageID,
        Metadata: { relay_message_id: 'rk_3' },
        Tag: 'receipt',
        MessageStream: 'outbound',
      });
    }
    const records = received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    // Posts due at the same moment race each other, so compare as a set.
    expect(
      records.map((r) => [r['RecordType'], r['Type'] ?? null, r['Recipient'] ?? r['Email']]).sort(),
    ).toEqual([
      ['Bounce', 'SoftBounce', 'full@example.org'],
      ['Bounce', 'Transient', 'full@example.org'],
      ['Delivery', null, 'ok@example.org'],
    ]);
  });
});
