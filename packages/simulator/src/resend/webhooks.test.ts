import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSimulator,
  startWebhookReceiver,
  type Simulator,
  type WebhookReceiver,
} from '../index.ts';

let sim: Simulator;
let receiver: WebhookReceiver;
let resend: Resend;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sim = await startSimulator({
    seed: 'resend-hooks',
    webhooks: { urls: { resend: receiver.url }, sentEvents: true },
  });
  resend = new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl });
});
afterAll(async () => {
  await sim.stop();
  await receiver.stop();
});

const verify = (
  body: string,
  headers: Record<string, unknown>,
  secret = sim.resend.webhookSecret,
): unknown =>
  new Resend('re_verify_only').webhooks.verify({
    payload: body,
    headers: {
      id: String(headers['svix-id']),
      timestamp: String(headers['svix-timestamp']),
      signature: String(headers['svix-signature']),
    },
    webhookSecret: secret,
  });

describe('Resend webhooks (Svix)', () => {
  it('posts events that resend.webhooks.verify accepts, carrying email_id and tags', async () => {
    const out = await resend.emails.send({
      from: 'sender@example.com',
      to: ['bounced@resend.dev'],
      subject: 'Hi',
      text: 'x',
      tags: [{ name: 'relay_id', value: 'rk_9' }],
    });
    const received = await receiver.waitFor(2);
    const types: string[] = [];
    for (const r of received) {
      expect(r.headers['svix-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      const event = verify(r.body, r.headers) as {
        type: string;
        data: {
          email_id: string;
          tags: Record<string, string>;
          to: string[];
          bounce?: { type: string };
        };
      };
      expect(event.data.email_id).toBe(out.data?.id);
      expect(event.data.tags).toEqual({ relay_id: 'rk_9' });
      expect(event.data.to).toEqual(['bounced@resend.dev']);
      types.push(event.type);
      if (event.type === 'email.bounced') expect(event.data.bounce?.type).toBe('Permanent');
    }
    expect(types.sort()).toEqual(['email.bounced', 'email.sent']);
  });

  it('fails verification when one byte changes or the secret differs', () => {
    const r = receiver.received[0];
    const body = r?.body ?? '';
    const headers = r?.headers ?? {};
    expect(() => verify(body, headers)).not.toThrow();
    expect(() => verify(body.replace('resend.dev', 'resend.Dev'), headers)).toThrow();
    expect(() =>
      verify(body, { ...headers, 'svix-id': `${String(headers['svix-id'])}x` }),
    ).toThrow();
    expect(() =>
      verify(
        body,
        headers,
        `whsec_${Buffer.from('another-secret-0123456789abcdef!').toString('base64')}`,
      ),
    ).toThrow();
  });

  it('lists every To address in a bounce, as Resend does, and names the refused one in the DSN', async () => {
    receiver.clear();
    const out = await resend.emails.send({
      from: 'sender@example.com',
      to: ['Ann <ann@example.org>', 'bounced@resend.dev'],
      subject: 'Hi',
      text: 'x',
    });
    const received = await receiver.waitFor(4);
    const bounces = received
      .map((r) => verify(r.body, r.headers) as { type: string; data: Record<string, unknown> })
      .filter((e) => e.type === 'email.bounced' && e.data['email_id'] === out.data?.id);
    expect(bounces).toHaveLength(1);
    expect(bounces[0]?.data).toMatchObject({
      to: ['ann@example.org', 'bounced@resend.dev'],
      bounce: { diagnosticCode: [expect.stringContaining('<bounced@resend.dev>')] },
    });
  });
});
