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
import { testingProvider } from '@relaykit/core/testing';
import {
  startSimulator,
  startTransportFaults,
  type FailureRule,
  type ProviderName,
  type Simulator,
  type SimulatorOptions,
  type TransportFaults,
} from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForEvent } from '../support/events.ts';

export interface ConformanceTarget {
  name: ProviderName;
  /**
   * The adapter, pointed at the simulator, with webhook verification on; `at` moves its base URL
   * elsewhere (a transport fault endpoint) or sets its per-request timeoutMs.
   */
  make(sim: Simulator, at?: { baseUrl?: string; timeoutMs?: number }): Provider;
  /**
   * The SDK hands the adapter a 429's headers, so Retry-After becomes retryAfterMs. mailgun.js
   * drops response headers, so the Mailgun adapter cannot. @default true
   */
  readsRetryAfter?: boolean;
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

/** Per-request timeout in the stall tests: each attempt must end within it plus 10%. */
const stallTimeoutMs = 500;

type Expected = { kind: RelayError['kind']; providerCode?: string; retryable?: boolean };

/**
 * The exact kind of every failure, the same on every adapter: transport failures from core's
 * table (packages/core/src/transport.ts), HTTP answers by status (4xx final, 5xx retried, 503 an
 * outage that fails over at once).
 */
const answerCases: Array<[string, FailureRule, Expected]> = [
  ['400', { status: 400 }, { kind: 'message-rejected', retryable: false }],
  ['401', { status: 401 }, { kind: 'auth' }],
  ['403', { status: 403 }, { kind: 'auth' }],
  ['404', { status: 404 }, { kind: 'config', retryable: false }],
  ['413', { status: 413 }, { kind: 'message-rejected', retryable: false }],
  ['422', { status: 422 }, { kind: 'message-rejected', retryable: false }],
  ['429 without Retry-After', { fault: 'rate-limit' }, { kind: 'rate-limited', retryable: true }],
  [
    '429 with Retry-After',
    { fault: 'rate-limit', retryAfterSeconds: 2 },
    { kind: 'rate-limited', retryable: true },
  ],
  ['500', { status: 500 }, { kind: 'transient', retryable: true }],
  ['502', { status: 502 }, { kind: 'transient', retryable: true }],
  ['503', { status: 503 }, { kind: 'provider-unavailable', retryable: true }],
  [
    'a malformed success body',
    { fault: 'malformed' },
    { kind: 'transient', providerCode: 'EBADRESPONSE', retryable: true },
  ],
  [
    'a reset by the simulator',
    { fault: 'reset' },
    { kind: 'transient', providerCode: 'ECONNRESET', retryable: true },
  ],
];

const transportCases: Array<[string, (t: TransportFaults) => string, Expected]> = [
  [
    'a refused connection',
    (t) => t.refusedUrl,
    { kind: 'provider-unavailable', providerCode: 'ECONNREFUSED', retryable: true },
  ],
  [
    'a DNS failure',
    (t) => t.unresolvableUrl,
    { kind: 'provider-unavailable', providerCode: 'ENOTFOUND', retryable: true },
  ],
  [
    'a TLS failure (untrusted certificate)',
    (t) => t.badTlsUrl,
    { kind: 'provider-unavailable', providerCode: 'ETLS', retryable: true },
  ],
  [
    'a connection reset',
    (t) => t.resetUrl,
    { kind: 'transient', providerCode: 'ECONNRESET', retryable: true },
  ],
];

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
      expect((error as RelayError).kind).toBe('message-rejected');
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

    it('maps bad credentials to auth, an outage to provider-unavailable, a 429 to rate-limited', async () => {
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
      expect(kinds[1]).toBe('provider-unavailable');
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

    describe('failure kinds, exact, for send and sendBatch alike', () => {
      let faults: TransportFaults;
      beforeAll(async () => {
        faults = await startTransportFaults();
      });
      afterAll(async () => {
        await faults?.close();
      });

      const two = () =>
        Promise.all(
          ['a@example.org', 'b@example.org'].map((to) => normalizeMessage({ ...base(), to })),
        );
      const sendOne = async (p: Provider, signal?: AbortSignal) => {
        const [m] = await two();
        return p
          .send(m as Awaited<ReturnType<typeof normalizeMessage>>, {
            attempt: 1,
            idempotencyKey: (m as { idempotencyKey: string }).idempotencyKey,
            ...(signal ? { signal } : {}),
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
      };
      const sendTwo = async (p: Provider, signal?: AbortSignal) => {
        const results = await (p.sendBatch as NonNullable<Provider['sendBatch']>)(await two(), {
          attempt: 1,
          ...(signal ? { signal } : {}),
        });
        expect(results).toHaveLength(2);
        return results;
      };
      const check = (error: unknown, expected: Expected, retryAfterMs?: number) => {
        expect(error).toBeInstanceOf(RelayError);
        expect(error).toMatchObject(expected);
        if (retryAfterMs !== undefined)
          expect((error as RelayError).retryAfterMs).toBe(retryAfterMs);
      };

      for (const [label, rule, expected] of answerCases) {
        it(`${label}: ${expected.kind}`, async () => {
          const withRetryAfter =
            rule.retryAfterSeconds !== undefined && target.readsRetryAfter !== false;
          const expectAfter = withRetryAfter
            ? (rule.retryAfterSeconds as number) * 1000
            : undefined;
          const handle = sim.fail({ provider: target.name, ...rule });
          check(await sendOne(provider), expected, expectAfter);
          for (const result of await sendTwo(provider)) check(result, expected, expectAfter);
          expect(handle.hits()).toBeGreaterThanOrEqual(2);
          handle.remove();
        });
      }

      for (const [label, url, expected] of transportCases) {
        it(`${label}: ${expected.kind} (${expected.providerCode})`, async () => {
          const p = target.make(sim, { baseUrl: url(faults) });
          check(await sendOne(p), expected);
          for (const result of await sendTwo(p)) check(result, expected);
          await p.close?.();
        });
      }

      it(`a stall: transient (ETIMEDOUT) within timeoutMs + 10%`, async () => {
        sim.fail({ provider: target.name, fault: 'stall' });
        const p = target.make(sim, { timeoutMs: stallTimeoutMs });
        const expected = { kind: 'transient', providerCode: 'ETIMEDOUT', retryable: true } as const;
        let started = performance.now();
        check(await sendOne(p), expected);
        const single = performance.now() - started;
        started = performance.now();
        for (const result of await sendTwo(p)) check(result, expected);
        const batch = performance.now() - started;
        for (const took of [single, batch]) {
          expect(took).toBeGreaterThanOrEqual(stallTimeoutMs - 5);
          expect(took).toBeLessThanOrEqual(stallTimeoutMs * 1.1);
        }
      });

      it('a caller abort: transient (ABORT_ERR), not retried', async () => {
        sim.fail({ provider: target.name, fault: 'stall' });
        const expected = {
          kind: 'transient',
          providerCode: 'ABORT_ERR',
          retryable: false,
        } as const;
        check(await sendOne(provider, AbortSignal.timeout(50)), expected);
        for (const result of await sendTwo(provider, AbortSignal.timeout(50)))
          check(result, expected);
        const aborted = new AbortController();
        aborted.abort();
        check(await sendOne(provider, aborted.signal), expected);
      });

      it('a stalled attempt gives way to the next attempt, then to the next provider', async () => {
        const rule = sim.fail({ provider: target.name, fault: 'stall' });
        const stalled = target.make(sim, { timeoutMs: stallTimeoutMs });
        const backup = testingProvider({ name: 'backup', events: false });
        const failover = createRelay({
          providers: [stalled, backup],
          retry: { ...fastRetry, attemptsPerProvider: 2 },
          throttle: false,
        });
        const retried: RelayError[] = [];
        failover.on('retry', (e) => retried.push(e.error));
        const started = performance.now();
        const report = await failover.send({ ...base(), to: 'ada@example.org' });
        const took = performance.now() - started;
        expect(report).toMatchObject({ status: 'sent', provider: 'backup', attempts: 3 });
        expect(rule.hits()).toBe(2);
        expect(retried.map((e) => e.providerCode)).toEqual(['ETIMEDOUT', 'ETIMEDOUT']);
        expect(took).toBeLessThan(2 * stallTimeoutMs * 1.1 + 200);
        const batch = await failover.sendBatch([
          { ...base(), to: 'a@example.org' },
          { ...base(), to: 'b@example.org' },
        ]);
        for (const r of batch)
          expect(r).toMatchObject({ ok: true, report: { provider: 'backup' } });
      });
    });

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
