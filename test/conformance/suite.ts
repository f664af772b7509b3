import {
  createRelay,
  normalizeMessage,
  RelayError,
  serveWebhooks,
  type DeliveryEvent,
  type Provider,
  type Relay,
  type WebhookServer,
} from '@relaykit/core';
import {
  startSimulator,
  type ProviderName,
  type Simulator,
  type SimulatorOptions,
} from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForEvent } from '../support/events.ts';

export interface ConformanceTarget {
  name: ProviderName;
  /** The adapter, pointed at the simulator, with webhook verification on. */
  make(sim: Simulator): Provider;
  /** Simulator options the adapter's webhooks need (secrets, signature version). */
  simulator?: SimulatorOptions;
  /** From address on a domain the adapter may send from in the simulator. */
  from?: string;
  /**
   * How the provider authenticates webhooks: a signature over the body (SES, Mailgun, Resend), or
   * credentials that do not cover the body (Postmark's basic auth or shared secret).
   */
  webhookAuth?: 'signature' | 'credentials';
}

const fastRetry = { minDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 3000 };

const until = (relay: Relay, predicate: (e: DeliveryEvent) => boolean, timeoutMs = 5000) =>
  waitForEvent(relay, predicate, { timeoutMs });

/**
 * The behaviour every adapter owes its users, checked through the real SDK against the simulator:
 * sends, error kinds (4xx final, 5xx retried), webhook events that find their message, hard
 * bounces that suppress, and forged webhooks refused.
 */
export function runConformance(target: ConformanceTarget): void {
  describe(`${target.name} adapter conformance`, () => {
    let sim: Simulator;
    let provider: Provider;
    let relay: Relay;
    let hooks: WebhookServer;
    const from = target.from ?? 'Shop <orders@mail.shop.test>';
    const base = () => ({ from, subject: 'Conformance', text: 'Hello', html: '<p>Hello</p>' });

    beforeAll(async () => {
      sim = await startSimulator({ ...target.simulator, seed: 'conformance' });
    });
    afterAll(async () => {
      await hooks?.close();
      await sim?.stop();
    });
    beforeEach(async () => {
      await hooks?.close();
      sim.reset();
      provider = target.make(sim);
      relay = createRelay({ providers: [provider], retry: fastRetry, throttle: false });
      hooks = await serveWebhooks(relay);
      sim.setWebhookUrl(target.name, `${hooks.url}/${provider.name}`);
    });

    it('sends a plain message through the official SDK', async () => {
      const report = await relay.send({ ...base(), to: 'ada@example.org' });
      expect(report.status).toBe('sent');
      expect(report.recipients).toEqual([
        expect.objectContaining({
          address: 'ada@example.org',
          status: 'sent',
          provider: provider.name,
        }),
      ]);
      const [message] = await sim.waitForMessages(1);
      expect(message?.to).toEqual(['ada@example.org']);
      expect(message?.subject).toBe('Conformance');
      expect(report.providerMessageId).toBeTruthy();
    });

    it('sends cc, bcc, attachments and custom headers', async () => {
      await relay.send({
        ...base(),
        to: 'Ada <ada@example.org>',
        cc: 'bob@example.org',
        bcc: 'eve@example.org',
        headers: { 'X-Conformance': 'yes' },
        attachments: [
          { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4 test') },
          { filename: 'logo.png', content: Buffer.from([137, 80, 78, 71]), cid: 'logo' },
        ],
      });
      const [message] = await sim.waitForMessages(1);
      expect(message?.cc).toEqual(['bob@example.org']);
      expect(message?.bcc).toEqual(['eve@example.org']);
      expect(message?.attachments).toBe(2);
      const headers = Object.fromEntries(
        Object.entries(message?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      );
      expect(headers['x-conformance']).toBe('yes');
    });

    it('brings the delivered webhook back to its relaykit message', async () => {
      const delivered = until(relay, (e) => e.type === 'delivered');
      const report = await relay.send({ ...base(), to: 'ada@example.org' });
      const event = await delivered;
      expect(event).toMatchObject({
        messageId: report.messageId,
        recipient: 'ada@example.org',
        provider: provider.name,
      });
      expect((await relay.status(report.messageId)).map((s) => s.status)).toEqual(['delivered']);
    });

    it('suppresses a hard bounce so the address is never sent to again', async () => {
      sim.recipients.set('gone@example.org', 'hard-bounce');
      const bounced = until(relay, (e) => e.type === 'bounced');
      await relay.send({ ...base(), to: 'gone@example.org' });
      const event = await bounced;
      expect(event.bounce?.class).toBe('hard');
      await sim.idle();
      const again = await relay.send({ ...base(), to: 'gone@example.org' });
      expect(again.recipients[0]?.status).toBe('suppressed');
      expect(sim.messages).toHaveLength(1);
    });

    it('does not retry a 4xx validation error', async () => {
      const rule = sim.fail({ provider: target.name, fault: 'validation' });
      const error = await relay.send({ ...base(), to: 'ada@example.org' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RelayError);
      expect(['invalid', 'message-rejected']).toContain((error as RelayError).kind);
      expect((error as RelayError).retryable).toBe(false);
      expect(rule.hits()).toBe(1);
    });

    it('retries a 5xx with the same idempotency key and succeeds', async () => {
      const rule = sim.fail({ provider: target.name, fault: 'server-error', times: 1 });
      const report = await relay.send({
        ...base(),
        to: 'ada@example.org',
        idempotencyKey: 'conf-1',
      });
      expect(report.status).toBe('sent');
      expect(report.attempts).toBe(2);
      expect(rule.hits()).toBe(1);
    });

    it('maps bad credentials to auth, an outage to a provider-side kind, a 429 to rate-limited', async () => {
      const kinds: string[] = [];
      for (const fault of ['auth', 'unavailable', 'rate-limit'] as const) {
        const rule = sim.fail({ provider: target.name, fault, retryAfterSeconds: 1 });
        const error = await provider
          .send(await normalizeMessage({ ...base(), to: 'ada@example.org' }), {
            attempt: 1,
            idempotencyKey: `k-${fault}`,
            signal: AbortSignal.timeout(5000),
          })
          .catch((e: unknown) => e);
        rule.remove();
        expect(error).toBeInstanceOf(RelayError);
        kinds.push((error as RelayError).kind);
      }
      expect(kinds[0]).toBe('auth');
      expect(['transient', 'provider-unavailable']).toContain(kinds[1]);
      expect(kinds[2]).toBe('rate-limited');
    });

    it(
      target.webhookAuth === 'credentials'
        ? 'refuses a webhook without its credentials, and records nothing'
        : 'refuses a webhook with one byte changed, and records nothing',
      async () => {
        const delivered = until(relay, (e) => e.type === 'delivered');
        await relay.send({ ...base(), to: 'ada@example.org' });
        await delivered;
        const original = sim.events.find((e) => e.kind === 'delivered');
        expect(original?.body).toBeTruthy();
        const seen: DeliveryEvent[] = [];
        relay.on('event', (e) => seen.push(e));
        const url = new URL(original?.url ?? `${hooks.url}/${provider.name}`);
        const headers: Record<string, string> = { ...original?.headers };
        delete headers['content-length'];
        let body = original?.body ?? '';
        if (target.webhookAuth === 'credentials') {
          // The credentials are the whole proof: without them the same body must be refused.
          url.username = '';
          url.password = '';
          for (const name of Object.keys(headers)) {
            if (name.toLowerCase() === 'authorization' || name.toLowerCase().includes('secret'))
              delete headers[name];
          }
        } else {
          body = body.replace('ada@example.org', 'adb@example.org');
        }
        const response = await fetch(url, { method: 'POST', headers, body });
        expect(response.status).toBe(401);
        expect(seen).toHaveLength(0);
      },
    );

    it('sends a batch with one result per message, in order', async () => {
      const messages = await Promise.all(
        ['a@example.org', 'b@example.org', 'c@example.org'].map((to, i) =>
          normalizeMessage({ ...base(), to, subject: `Batch ${i}` }),
        ),
      );
      const results = provider.sendBatch
        ? await provider.sendBatch(messages, { attempt: 1, signal: AbortSignal.timeout(5000) })
        : await Promise.all(
            messages.map((m) =>
              provider.send(m, {
                attempt: 1,
                idempotencyKey: m.idempotencyKey,
                signal: AbortSignal.timeout(5000),
              }),
            ),
          );
      expect(results).toHaveLength(3);
      for (const r of results) expect(r).not.toBeInstanceOf(Error);
      const subjects = sim.messages.map((m) => m.subject).sort();
      expect(subjects).toEqual(['Batch 0', 'Batch 1', 'Batch 2']);
    });
  });
}
