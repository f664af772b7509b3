import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRelay,
  createSuppressionPolicy,
  memorySuppressionStore,
  type DeliveryEvent,
  type Relay,
  type SuppressionStore,
} from '@relaykit/core';
import { resend } from '@relaykit/resend';
import { startSimulator, type SimEvent, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let sim: Simulator;
let server: Server;
let hookUrl: string;
let relay: Relay;
let store: SuppressionStore;
let events: DeliveryEvent[];

/** A tiny webhook endpoint: node:http request → web Request → relay.webhooks.handle. */
async function startEndpoint(): Promise<void> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(name, value);
      const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers,
        body: Buffer.concat(chunks),
      });
      relay.webhooks
        .handle(request)
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(await response.text());
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/resend`;
}

const post = (body: string, headers: Record<string, string>) =>
  fetch(hookUrl, { method: 'POST', headers, body });

const sign = (secret: string, id: string, timestamp: number, body: string) =>
  `v1,${createHmac('sha256', Buffer.from(secret.replace(/^whsec_/u, ''), 'base64'))
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64')}`;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'resend-e2e' });
  await startEndpoint();
  sim.setWebhookUrl('resend', hookUrl);
});
afterAll(async () => {
  await sim.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  sim.reset();
  sim.setWebhookUrl('resend', hookUrl);
  store = memorySuppressionStore();
  relay = createRelay({
    providers: [
      resend({
        apiKey: sim.resend.apiKey,
        baseUrl: sim.resend.baseUrl,
        webhook: { secret: sim.resend.webhookSecret },
      }),
    ],
    suppression: { store, policy: createSuppressionPolicy({ store }) },
    retry: { minDelayMs: 1, maxDelayMs: 5 },
  });
  events = [];
  relay.on('event', (e) => events.push(e));
});

describe('resend end to end through the simulator', () => {
  it('sends, takes the signed webhooks, and suppresses a hard bounce', async () => {
    sim.recipients.set('gone@example.org', 'hard-bounce');
    const report = await relay.send({
      from: 'Acme <news@example.com>',
      to: ['alice@example.org', 'gone@example.org'],
      subject: 'Hi',
      text: 'hi',
      tags: ['welcome'],
    });
    expect(report).toMatchObject({
      status: 'sent',
      provider: 'resend',
      providerMessageId: sim.messages[0]?.id,
    });

    const posted = await sim.waitForEvents(2);
    expect(posted.map((e) => e.responseStatus)).toEqual([200, 200]);
    const byRecipient = new Map(
      events.filter((e) => e.type !== 'accepted').map((e) => [e.recipient, e]),
    );
    expect(byRecipient.get('alice@example.org')).toMatchObject({
      type: 'delivered',
      messageId: report.messageId,
      provider: 'resend',
      tags: ['welcome'],
    });
    expect(byRecipient.get('gone@example.org')).toMatchObject({
      type: 'bounced',
      messageId: report.messageId,
      bounce: { class: 'hard', smtpStatus: 550, enhancedStatus: '5.1.1' },
    });
    const states = await relay.status(report.messageId);
    expect(Object.fromEntries(states.map((s) => [s.recipient, s.status]))).toEqual({
      'alice@example.org': 'delivered',
      'gone@example.org': 'bounced',
    });

    expect((await store.check(['gone@example.org'])).get('gone@example.org')).toMatchObject({
      reason: 'hard-bounce',
    });
    const again = await relay.send({
      from: 'news@example.com',
      to: ['alice@example.org', 'gone@example.org'],
      subject: 'Again',
      text: 'hi',
    });
    expect(again.recipients.find((r) => r.address === 'gone@example.org')?.status).toBe(
      'suppressed',
    );
    expect(sim.messages.at(-1)?.to).toEqual(['alice@example.org']);
  });

  it('suppresses only the recipient a multi-recipient bounce names; an unattributable complaint suppresses no one', async () => {
    // Resend lists every To address in each event; the DSN names the refused one.
    sim.recipients.set('gone@example.org', 'hard-bounce');
    sim.recipients.set('grumpy@example.org', 'complaint');
    await relay.send({
      from: 'news@example.com',
      to: ['alice@example.org', 'gone@example.org', 'grumpy@example.org'],
      subject: 'Hi',
      text: 'hi',
    });
    const posted = await sim.waitForEvents(4);
    expect(posted.every((e) => e.responseStatus === 200)).toBe(true);
    const bounced = events.filter((e) => e.type === 'bounced');
    expect(bounced.map((e) => e.recipient)).toEqual(['gone@example.org']);
    const complained = events.filter((e) => e.type === 'complained');
    expect(complained.map((e) => e.recipient).sort()).toEqual([
      'alice@example.org',
      'gone@example.org',
      'grumpy@example.org',
    ]);
    for (const e of complained) expect(e.bounce?.category).toBe('unattributed');
    const hits = await store.check(['alice@example.org', 'gone@example.org', 'grumpy@example.org']);
    expect([...hits.keys()]).toEqual(['gone@example.org']);
  });

  it('records a redelivered webhook once', async () => {
    await relay.send({
      from: 'news@example.com',
      to: 'alice@example.org',
      subject: 'Hi',
      text: 'hi',
    });
    const [event] = (await sim.waitForEvents(1)) as [SimEvent];
    const count = events.length;
    // Svix redelivers with the same svix-id and a fresh timestamp and signature.
    const ts = Math.floor(Date.now() / 1000);
    const response = await post(event.body, {
      ...event.headers,
      'svix-timestamp': String(ts),
      'svix-signature': sign(sim.resend.webhookSecret, event.id, ts, event.body),
    });
    expect(response.status).toBe(200);
    expect(events).toHaveLength(count);
  });

  it('answers 401 and records nothing for a changed byte, a stale timestamp or a wrong secret', async () => {
    const report = await relay.send({
      from: 'news@example.com',
      to: 'alice@example.org',
      subject: 'Hi',
      text: 'hi',
    });
    const [event] = (await sim.waitForEvents(1)) as [SimEvent];
    const before = events.length;
    const statusBefore = await relay.status(report.messageId);
    const forged = event.body.replace('email.delivered', 'email.bounced');
    expect(forged).not.toBe(event.body);
    const fresh = Math.floor(Date.now() / 1000);
    const id = 'msg_forged';
    const tries: Array<[string, string, Record<string, string>]> = [
      ['changed byte', forged, event.headers],
      [
        'changed byte, fresh timestamp',
        event.body.replace('"to":["alice', '"to":["mallory'),
        { ...event.headers },
      ],
      [
        'stale timestamp',
        event.body,
        {
          ...event.headers,
          'svix-id': id,
          'svix-timestamp': String(fresh - 600),
          'svix-signature': sign(sim.resend.webhookSecret, id, fresh - 600, event.body),
        },
      ],
      [
        'wrong secret',
        event.body,
        {
          ...event.headers,
          'svix-id': id,
          'svix-timestamp': String(fresh),
          'svix-signature': sign(
            `whsec_${Buffer.from('not-the-secret').toString('base64')}`,
            id,
            fresh,
            event.body,
          ),
        },
      ],
      ['no signature', event.body, { 'content-type': 'application/json' }],
    ];
    for (const [what, body, headers] of tries) {
      const response = await post(body, headers);
      expect(response.status, what).toBe(401);
    }
    expect(events).toHaveLength(before);
    expect(await relay.status(report.messageId)).toEqual(statusBefore);
  });

  it('attributes every event with splitRecipients', async () => {
    relay = createRelay({
      providers: [
        resend({
          apiKey: sim.resend.apiKey,
          baseUrl: sim.resend.baseUrl,
          webhook: { secret: sim.resend.webhookSecret },
          splitRecipients: true,
        }),
      ],
    });
    relay.on('event', (e) => events.push(e));
    const report = await relay.send({
      from: 'news@example.com',
      to: ['a@example.org', 'b@example.org'],
      cc: 'c@example.org',
      subject: 'Hi',
      text: 'hi',
    });
    expect(sim.messages).toHaveLength(3);
    await sim.waitForEvents(3);
    const delivered = events.filter((e) => e.type === 'delivered');
    expect(delivered.map((e) => e.recipient).sort()).toEqual([
      'a@example.org',
      'b@example.org',
      'c@example.org',
    ]);
    for (const e of delivered) expect(e.messageId).toBe(report.messageId);
  });
});
