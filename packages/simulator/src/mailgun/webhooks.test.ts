import { createHmac, timingSafeEqual } from 'node:crypto';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSimulator,
  startWebhookReceiver,
  type Simulator,
  type WebhookReceiver,
} from '../index.ts';

/** Mailgun's documented check: hex HMAC-SHA256 of timestamp + token, keyed by the webhook signing key. */
function verifyMailgun(body: string, signingKey: string): boolean {
  const { signature } = JSON.parse(body) as {
    signature: { timestamp: string; token: string; signature: string };
  };
  const expected = createHmac('sha256', signingKey)
    .update(signature.timestamp + signature.token)
    .digest('hex');
  return (
    expected.length === signature.signature.length &&
    timingSafeEqual(Buffer.from(expected), Buffer.from(signature.signature))
  );
}

let sim: Simulator;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sim = await startSimulator({
    seed: 'mailgun-hooks',
    webhooks: { urls: { mailgun: receiver.url }, secrets: { mailgun: 'key-test-signing' } },
  });
});
afterAll(async () => {
  await sim.stop();
  await receiver.stop();
});

describe('Mailgun webhooks', () => {
  it('posts signed event-data carrying user-variables, tags and the message-id', async () => {
    sim.recipients.set('@hard.example', 'hard-bounce');
    const mg = new Mailgun(FormData).client(sim.mailgun.clientOptions);
    const out = await mg.messages.create(sim.mailgun.domain, {
      from: 'sender@example.com',
      to: ['ok@example.org', 'gone@hard.example'],
      subject: 'Hi',
      text: 'x',
      'o:tag': 'welcome',
      'v:relay_message_id': 'rk_7',
    });
    const received = await receiver.waitFor(2);
    const byRecipient = new Map<string, Record<string, unknown>>();
    for (const r of received) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifyMailgun(r.body, 'key-test-signing')).toBe(true);
      expect(verifyMailgun(r.body, 'another-key')).toBe(false);
      const data = (JSON.parse(r.body) as { 'event-data': Record<string, unknown> })['event-data'];
      byRecipient.set(String(data['recipient']), data);
      expect(data['user-variables']).toEqual({ relay_message_id: 'rk_7' });
      expect(data['tags']).toEqual(['welcome']);
      expect((data['message'] as { headers: Record<string, string> }).headers['message-id']).toBe(
        out.id?.replace(/^<|>$/g, ''),
      );
    }
    expect(byRecipient.get('ok@example.org')).toMatchObject({
      event: 'delivered',
      'delivery-status': { code: 250 },
    });
    expect(byRecipient.get('gone@hard.example')).toMatchObject({
      event: 'failed',
      severity: 'permanent',
      reason: 'bounce',
      'delivery-status': { code: 550, 'enhanced-code': '5.1.1' },
    });
  });

  it('fails verification when one byte of the signed fields changes', () => {
    const body = receiver.received[0]?.body ?? '';
    const parsed = JSON.parse(body) as {
      signature: { timestamp: string; token: string; signature: string };
    };
    const token = parsed.signature.token;
    const flipped = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    expect(
      verifyMailgun(
        JSON.stringify({ ...parsed, signature: { ...parsed.signature, token: flipped } }),
        'key-test-signing',
      ),
    ).toBe(false);
    expect(
      verifyMailgun(
        JSON.stringify({
          ...parsed,
          signature: {
            ...parsed.signature,
            timestamp: String(Number(parsed.signature.timestamp) + 1),
          },
        }),
        'key-test-signing',
      ),
    ).toBe(false);
  });
});
