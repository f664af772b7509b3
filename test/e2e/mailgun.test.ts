import { createHmac } from 'node:crypto';
import {
  createRelay,
  normalizeMessage,
  type DeliveryEvent,
  type Provider,
  type Relay,
  type WebhookServer,
  serveWebhooks,
} from '@relaykit/core';
import { type SendResult } from '@relaykit/core/adapter';
import { mailgun } from '@relaykit/mailgun';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForEvent } from '../support/events.ts';

const signingKey = 'e2e-mailgun-webhook-signing-key';
const from = 'Shop <orders@mg.example.com>';

let sim: Simulator;
let provider: Provider;
let relay: Relay;
let hooks: WebhookServer;
let seen: DeliveryEvent[];

const until = (predicate: (e: DeliveryEvent) => boolean, timeoutMs = 5000) =>
  waitForEvent(relay, predicate, { seen, timeoutMs });

const post = (body: string) =>
  relay.webhooks.handle(
    new Request(`${hooks.url}/mailgun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }),
  );

/** Re-signs a posted Mailgun body with a new timestamp (and optionally token), as Mailgun would. */
function resign(body: string, timestamp: number, token?: string): string {
  const payload = JSON.parse(body) as {
    signature: { timestamp: string; token: string; signature: string };
  };
  const t = String(timestamp);
  const tok = token ?? payload.signature.token;
  payload.signature = {
    timestamp: t,
    token: tok,
    signature: createHmac('sha256', signingKey)
      .update(t + tok)
      .digest('hex'),
  };
  return JSON.stringify(payload);
}

beforeAll(async () => {
  sim = await startSimulator({
    seed: 'mailgun-e2e',
    webhooks: { secrets: { mailgun: signingKey } },
  });
});
afterAll(async () => {
  await hooks?.close();
  await sim?.stop();
});
beforeEach(async () => {
  await hooks?.close();
  sim.reset();
  provider = mailgun({
    apiKey: sim.mailgun.apiKey,
    domain: sim.mailgun.domain,
    baseUrl: sim.mailgun.url,
    timeoutMs: 5_000,
    webhook: { signingKey: signingKey },
  });
  relay = createRelay({
    providers: [provider],
    retry: { minDelayMs: 5, maxDelayMs: 20 },
    throttle: false,
  });
  seen = [];
  relay.on('event', (e) => seen.push(e));
  hooks = await serveWebhooks(relay);
  sim.setWebhookUrl('mailgun', `${hooks.url}/mailgun`);
});

describe('mailgun end to end through the simulator', () => {
  it('sends, and the signed delivered webhook finds its message with tags, metadata and stream', async () => {
    const tags = ['receipt', 'eu', 'q3', 'vip'];
    const report = await relay.send({
      from,
      to: 'ada@example.org',
      subject: 'Receipt',
      text: 'Thanks',
      tags,
      metadata: { order: 'A-1' },
    });
    expect(report).toMatchObject({ status: 'sent', provider: 'mailgun' });
    const delivered = await until((e) => e.type === 'delivered');
    expect(delivered).toMatchObject({
      provider: 'mailgun',
      messageId: report.messageId,
      providerMessageId: report.providerMessageId,
      recipient: 'ada@example.org',
      from: 'orders@mg.example.com',
      metadata: { order: 'A-1' },
    });
    // Mailgun keeps three o:tag values; relaykit brings all four back.
    expect(delivered.tags).toEqual(tags);
    expect(sim.messages[0]?.tags).toEqual({ receipt: 'receipt', eu: 'eu', q3: 'q3' });
    expect((await relay.status(report.messageId)).map((s) => s.status)).toEqual(['delivered']);
    await sim.idle();
    expect(sim.events.every((e) => e.responseStatus === 200)).toBe(true);
  });

  it('a hard bounce is classified hard and suppresses the address', async () => {
    sim.recipients.set('gone@example.org', 'hard-bounce');
    const report = await relay.send({ from, to: 'gone@example.org', subject: 'Hi', text: 'x' });
    const bounced = await until((e) => e.type === 'bounced');
    expect(bounced).toMatchObject({
      messageId: report.messageId,
      recipient: 'gone@example.org',
      bounce: { class: 'hard', smtpStatus: 550, enhancedStatus: '5.1.1' },
    });
    await sim.idle();
    expect((await relay.suppressions.check(['gone@example.org'])).has('gone@example.org')).toBe(
      true,
    );
    const again = await relay.send({
      from,
      to: 'gone@example.org',
      subject: 'Hi again',
      text: 'x',
    });
    expect(again.recipients[0]?.status).toBe('suppressed');
    expect(sim.messages).toHaveLength(1);
  });

  it('deferrals, blocks, provider suppressions and complaints map to their events', async () => {
    sim.recipients.set('slow@example.org', 'defer');
    sim.recipients.set('blocked@example.org', 'block');
    sim.recipients.set('listed@example.org', 'suppressed');
    sim.recipients.set('angry@example.org', 'complaint');
    await relay.send({
      from,
      to: ['slow@example.org', 'blocked@example.org', 'listed@example.org', 'angry@example.org'],
      subject: 'Hi',
      text: 'x',
    });
    const deferred = await until(
      (e) => e.type === 'deferred' && e.recipient === 'slow@example.org',
    );
    expect(deferred.bounce).toMatchObject({ smtpStatus: 421, enhancedStatus: '4.7.28' });
    expect(deferred.bounce?.class).not.toBe('hard');
    await until((e) => e.type === 'delivered' && e.recipient === 'slow@example.org');
    const blocked = await until(
      (e) => e.type === 'bounced' && e.recipient === 'blocked@example.org',
    );
    expect(blocked.bounce?.class).toBe('block');
    const listed = await until(
      (e) => e.type === 'suppressed' && e.recipient === 'listed@example.org',
    );
    expect(listed.bounce).toMatchObject({ class: 'hard', category: 'suppressed' });
    await until((e) => e.type === 'complained' && e.recipient === 'angry@example.org');
    await sim.idle();
    const held = await relay.suppressions.check([
      'slow@example.org',
      'blocked@example.org',
      'listed@example.org',
      'angry@example.org',
    ]);
    expect([...held.keys()].sort()).toEqual(['angry@example.org', 'listed@example.org']);
  });

  it('a changed byte, a stale timestamp or a reused token gets 401 and records nothing; an exact replay is ignored', async () => {
    await relay.send({ from, to: 'ada@example.org', subject: 'Hi', text: 'x' });
    await until((e) => e.type === 'delivered');
    await sim.idle();
    const original = sim.events.find((e) => e.type === 'delivered');
    const body = original?.body ?? '';
    expect(body).not.toBe('');
    const count = seen.length;
    const now = Math.floor(Date.now() / 1000);
    const flipped = body.replace(
      /"signature":"([0-9a-f])/u,
      (_, c: string) => `"signature":"${c === 'a' ? 'b' : 'a'}`,
    );
    const forgeries = [
      flipped,
      body.replace('ada@example.org', 'adb@example.org'), // the body is not signed: the used token gives it away
      resign(body, now - 301, 'f'.repeat(50)), // stale
      resign(body, now + 301, 'e'.repeat(50)), // from the future
      resign(body, Number(JSON.parse(body).signature.timestamp) - 1), // a fresh signature on a used token (other bytes)
      JSON.stringify({
        'event-data': (JSON.parse(body) as { 'event-data': unknown })['event-data'],
      }), // unsigned
    ];
    const statuses: number[] = [];
    for (const forged of forgeries) statuses.push((await post(forged)).status);
    expect(statuses).toEqual(forgeries.map(() => 401));
    // Over the wire too (what Mailgun would see).
    const wire = await fetch(`${hooks.url}/mailgun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: flipped,
    });
    expect(wire.status).toBe(401);
    // The exact bytes again: answered 200 so Mailgun stops; its event ids are known, nothing is recorded.
    expect((await post(body)).status).toBe(200);
    expect(seen).toHaveLength(count);
    // A fresh token, properly signed, is taken: a Mailgun redelivery that was re-signed.
    expect((await post(resign(body, now, 'd'.repeat(50)))).status).toBe(200);
    expect(seen).toHaveLength(count); // same event-data.id: core dedupes it
    expect((await post('{"signature":')).status).toBe(401);
  });

  it('a forged complaint under a captured signature block is refused however often it is sent, and suppresses no one', async () => {
    await relay.send({ from, to: 'ada@example.org', subject: 'Hi', text: 'x' });
    await until((e) => e.type === 'delivered');
    await sim.idle();
    const body = sim.events.find((e) => e.type === 'delivered')?.body ?? '';
    const captured = JSON.parse(body) as {
      signature: unknown;
      'event-data': Record<string, unknown>;
    };
    const forged = JSON.stringify({
      signature: captured.signature,
      'event-data': {
        ...captured['event-data'],
        id: 'forged-1',
        event: 'complained',
        recipient: 'victim@example.org',
      },
    });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await post(forged)).status);
    expect(statuses).toEqual([401, 401, 401]);
    expect(seen.some((e) => e.recipient === 'victim@example.org')).toBe(false);
    expect((await relay.suppressions.check(['victim@example.org'])).size).toBe(0);
  });

  it('a recipient-variables batch brings each event back to its own message', async () => {
    const messages = await Promise.all(
      ['a@example.org', 'b@example.org', 'c@example.org'].map((to) =>
        normalizeMessage({ from, to, subject: 'News', text: 'Hello' }),
      ),
    );
    const results = (await provider.sendBatch?.(messages, {
      attempt: 1,
      signal: AbortSignal.timeout(5_000),
    })) as SendResult[];
    expect(sim.messages).toHaveLength(1);
    // What relay.send records for each message, recorded here for the batch.
    for (const [i, m] of messages.entries()) {
      const r = results[i] as SendResult;
      await relay.stores.ledger.record({
        messageId: m.id,
        provider: 'mailgun',
        providerMessageId: r.providerMessageId,
        recipients: r.accepted,
        from: m.from.address,
        sentAt: new Date(),
      });
    }
    for (const m of messages) {
      const event = await until((e) => e.type === 'delivered' && e.recipient === m.to[0]?.address);
      expect(event.messageId).toBe(m.id);
    }
  });
});
