import {
  createRelay,
  memoryOutbox,
  normalizeMessage,
  RelayError,
  serveWebhooks,
  type DeliveryEvent,
  type Message,
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
import fc from 'fast-check';
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

/** Characters no header-bound field may carry (C0 with tab, DEL, C1, U+2028/U+2029). */
const controls = fc.oneof(
  fc.constantFrom('\r', '\n', '\r\n', '\u0000', '\t', '\u2028', '\u2029', '\u0085'),
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((c) => String.fromCharCode(c)),
);

/** Each header-bound field of a message input, and how to put a string into it. */
const inputFields: ReadonlyArray<[string, (s: string) => Record<string, unknown>]> = [
  ['subject', (s) => ({ subject: `Hi${s}there` })],
  ['to[0]', (s) => ({ to: { address: 'ada@example.org', name: `Ada${s}` } })],
  ['from', (s) => ({ from: `Shop${s} <orders@mail.shop.test>` })],
  ['replyTo[0]', (s) => ({ replyTo: `help@example.org${s}Bcc: eve@example.org` })],
  ['headers.X-Ref', (s) => ({ headers: { 'X-Ref': `a${s}Bcc: eve@example.org` } })],
  ['tags.0', (s) => ({ tags: [`t${s}`] })],
  ['metadata.order', (s) => ({ metadata: { order: `42${s}` } })],
  ['stream', (s) => ({ stream: `s${s}` })],
  ['idempotencyKey', (s) => ({ idempotencyKey: `key${s}` })],
  ['listUnsubscribe.url', (s) => ({ listUnsubscribe: { url: `https://shop.test/u${s}` } })],
  [
    'listUnsubscribe.mailto',
    (s) => ({ listUnsubscribe: { mailto: `u@shop.test>${s}Bcc: eve@example.org${s}${s}<p>` } }),
  ],
  ['attachments.0.filename', (s) => ({ attachments: [{ filename: `a${s}.txt`, content: 'x' }] })],
];

/** The same fields on a Message built by hand (bypassing validation), for the adapters' own check. */
const messageFields: ReadonlyArray<[string, (m: Message, s: string) => Message]> = [
  ['subject', (m, s) => ({ ...m, subject: `Hi${s}` })],
  ['from', (m, s) => ({ ...m, from: { ...m.from, name: `Shop${s}` } })],
  ['to[0]', (m, s) => ({ ...m, to: [{ address: 'ada@example.org', name: `Ada${s}` }] })],
  ['replyTo[0]', (m, s) => ({ ...m, replyTo: [{ address: `help@example.org${s}` }] })],
  ['headers.X-Ref', (m, s) => ({ ...m, headers: { 'X-Ref': `a${s}Bcc: eve@example.org` } })],
  ['tags.0', (m, s) => ({ ...m, tags: [`t${s}`] })],
  ['metadata.order', (m, s) => ({ ...m, metadata: { order: `42${s}` } })],
  ['idempotencyKey', (m, s) => ({ ...m, idempotencyKey: `key${s}` })],
  [
    'listUnsubscribe.mailto',
    (m, s) => ({ ...m, listUnsubscribe: { oneClick: false, mailto: `u@shop.test>${s}Bcc: x` } }),
  ],
  [
    'listUnsubscribe.url',
    (m, s) => ({ ...m, listUnsubscribe: { oneClick: false, url: `https://shop.test/${s}` } }),
  ],
  [
    'attachments.0.filename',
    (m, s) => ({
      ...m,
      attachments: [
        { filename: `a${s}.txt`, content: new Uint8Array([1]), contentType: 'text/plain' },
      ],
    }),
  ],
];

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

    it('declares the bounce vocabulary its webhook classifies with (Provider.bounceHints)', () => {
      expect(provider.webhook).toBeDefined();
      expect(provider.bounceHints?.size).toBeGreaterThan(0);
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

    it('counts a failed batch call as attempt 1 of each message’s one retry loop', async () => {
      const rule = sim.fail({ provider: target.name, fault: 'server-error' });
      const messages = [
        { ...base(), to: 'ada@example.org' },
        { ...base(), to: 'bob@example.org' },
      ];
      // How many requests one batch call of these two makes on this adapter (one, or one each).
      await (provider.sendBatch as NonNullable<Provider['sendBatch']>)(
        await Promise.all(messages.map((m) => normalizeMessage(m))),
        { attempt: 1 },
      );
      const perBatch = rule.hits();
      const retrying = createRelay({
        providers: [provider],
        retry: { ...fastRetry, attempts: 3, attemptsPerProvider: 5 },
        throttle: false,
      });
      const attempts: number[] = [];
      retrying.on('retry', (e) => attempts.push(e.attempt));
      const results = await retrying.sendBatch(messages);
      expect(results.map((r) => r.ok)).toEqual([false, false]);
      // Attempt 1 is the batch call; attempts 2 and 3 are each message's single sends.
      expect(rule.hits() - perBatch).toBe(perBatch + 2 * 2);
      expect(attempts.sort()).toEqual([1, 1, 2, 2, 3, 3]);
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

    describe('send contract: nothing smuggled into headers', () => {
      it('refuses a control character in any header-bound field before any provider call: send, sendBatch, enqueue', async () => {
        // Any request naming ada would meet this rule: none may be made.
        const watch = sim.fail({ recipient: 'ada@example.org', fault: 'validation' });
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...inputFields),
            fc.string({ maxLength: 6 }),
            controls,
            async ([field, put], before, c) => {
              const input = { ...base(), to: 'ada@example.org', ...put(`${before}${c}`) };
              const error = await relay.send(input as never).catch((e: unknown) => e);
              expect(error).toBeInstanceOf(RelayError);
              expect((error as RelayError).kind).toBe('invalid');
              expect((error as RelayError).field).toBe(field);
              const [result] = await relay.sendBatch([
                input as never,
                { ...base(), to: 'bob@example.org', subject: `ok${before}` },
              ]);
              expect(result?.ok).toBe(false);
              expect(result?.ok === false && result.error.kind).toBe('invalid');
              expect(result?.ok === false && result.error.field).toBe(field);
              const queued = await relay.enqueue(input as never).catch((e: unknown) => e);
              expect((queued as RelayError).kind).toBe('invalid');
            },
          ),
          { numRuns: 60 },
        );
        expect(watch.hits()).toBe(0);
        // The valid neighbour in each batch was not failed with it.
        expect(sim.messages.filter((m) => m.to.includes('bob@example.org')).length).toBe(60);
        expect((await relay.outbox.counts()).queued).toBe(0);
      });

      it('its adapter refuses a hand-built message with a control character, in send and sendBatch', async () => {
        const watch = sim.fail({ recipient: 'ada@example.org', fault: 'validation' });
        const good = await normalizeMessage({ ...base(), to: 'ada@example.org' });
        for (const [field, mutate] of messageFields) {
          for (const c of ['\r\n', '\u0000', '\u2028']) {
            const bad = mutate(good, c);
            const context = {
              attempt: 1,
              idempotencyKey: bad.idempotencyKey,
              signal: AbortSignal.timeout(5000),
            };
            const error = await provider.send(bad, context).catch((e: unknown) => e);
            expect(error, field).toBeInstanceOf(RelayError);
            expect((error as RelayError).kind, field).toBe('invalid');
            expect((error as RelayError).field, field).toBe(field);
            if (provider.sendBatch) {
              const answers = await provider
                .sendBatch([bad], context)
                .catch((e: unknown) => [e as RelayError]);
              expect((answers[0] as RelayError).kind, field).toBe('invalid');
            }
          }
        }
        expect(watch.hits()).toBe(0);
      });
    });

    describe('send contract: nothing silently dropped', () => {
      it('sends to every address of an RFC 5322 list, in every address field: send, sendBatch, enqueue', async () => {
        const report = await relay.send({
          ...base(),
          to: 'ada@example.org, "Doe, J" <bob@example.org>',
          cc: ['carol@example.org; Dan <dan@example.org>'],
        });
        expect(report.recipients.map((r) => r.address)).toEqual([
          'ada@example.org',
          'bob@example.org',
          'carol@example.org',
          'dan@example.org',
        ]);
        const list = { ...base(), to: 'ada@example.org, "Doe, J" <bob@example.org>' };
        const [batched] = await relay.sendBatch([list, { ...list, subject: 'Second' }]);
        expect(batched?.ok && batched.report.recipients).toHaveLength(2);
        await relay.enqueue({ ...list, subject: 'Queued' });
        relay.start();
        const messages = await sim.waitForMessages(4);
        await relay.stop();
        const bare = (addresses: readonly string[] = []) =>
          addresses.map((a) => /<([^>]*)>/u.exec(a)?.[1] ?? a).sort();
        for (const message of messages)
          expect(bare(message.to)).toEqual(['ada@example.org', 'bob@example.org']);
        expect(bare(messages[0]?.cc)).toEqual(['carol@example.org', 'dan@example.org']);
        expect(messages.map((m) => m.subject).sort()).toEqual([
          'Conformance',
          'Conformance',
          'Queued',
          'Second',
        ]);
      });

      it('refuses a key it does not know, naming the nearest one, before any provider call', async () => {
        const watch = sim.fail({ recipient: 'ada@example.org', fault: 'validation' });
        for (const [key, nearest] of [
          ['replyto', 'replyTo'],
          ['html_body', 'html'],
          ['templateId', 'html'],
        ] as const) {
          const input = { ...base(), to: 'ada@example.org', [key]: 'x' };
          const error = await relay.send(input as never).catch((e: unknown) => e);
          expect((error as RelayError).kind).toBe('invalid');
          expect((error as RelayError).field).toBe(key);
          expect((error as RelayError).message).toContain(nearest);
          const [result] = await relay.sendBatch([input as never]);
          expect(result?.ok === false && result.error.field).toBe(key);
          expect(
            ((await relay.enqueue(input as never).catch((e: unknown) => e)) as RelayError).field,
          ).toBe(key);
        }
        expect(watch.hits()).toBe(0);
      });
    });

    describe('send contract: nothing sent early', () => {
      const hour = 60 * 60 * 1000;

      it('holds a message with sendAt an hour ahead in the outbox until it is due (fake clock)', async () => {
        let t = Date.now();
        const clock = () => t;
        const timed = await startSimulator({ ...target.simulator, seed: 'schedule', clock });
        const adapter = target.make(timed);
        const held = createRelay({
          providers: [adapter],
          retry: fastRetry,
          throttle: false,
          now: clock,
          outbox: memoryOutbox({ now: clock }),
          queue: { pollMs: 5 },
        });
        try {
          const sendAt = new Date(t + hour);
          await held.enqueue({ ...base(), to: 'ada@example.org', sendAt });
          // Beyond the provider's own horizon, send holds it in the outbox as enqueue does.
          const later = new Date(t + (adapter.capabilities.schedulingHorizonMs ?? 0) + 2 * hour);
          const report = await held.send({ ...base(), to: 'bob@example.org', sendAt: later });
          expect(report).toMatchObject({ status: 'scheduled', scheduledFor: later, attempts: 0 });
          held.start();
          await new Promise((r) => setTimeout(r, 50));
          t += hour - 1000;
          await new Promise((r) => setTimeout(r, 50));
          expect(timed.messages).toHaveLength(0);
          t += 1000;
          const [message] = await timed.waitForMessages(1);
          expect(message?.acceptedAt).toBeGreaterThanOrEqual(sendAt.getTime());
          expect(message?.to).toEqual(['ada@example.org']);
          // Let the runner record ada as sent before the clock jumps past her lease.
          for (let i = 0; i < 200 && (await held.outbox.counts()).sent < 1; i += 1)
            await new Promise((r) => setTimeout(r, 10));
          t = later.getTime() - 1000;
          await new Promise((r) => setTimeout(r, 50));
          expect(timed.messages).toHaveLength(1);
          t += 1000;
          const [, second] = await timed.waitForMessages(2);
          expect(second?.to).toEqual(['bob@example.org']);
          expect(second?.acceptedAt).toBeGreaterThanOrEqual(later.getTime());
          expect(second?.scheduledAt).toBeUndefined();
        } finally {
          await held.close();
          await timed.stop();
        }
      });

      it('sends a future sendAt only through native scheduling within its horizon, else refuses it (send, sendBatch)', async () => {
        const watch = sim.fail({ recipient: 'ada@example.org', fault: 'validation' });
        const horizon =
          provider.capabilities.schedulingHorizonMs ??
          (provider.capabilities.scheduling ? Number.POSITIVE_INFINITY : 0);
        const soon = new Date(Math.ceil((Date.now() + hour) / 1000) * 1000);
        const beyond = new Date(Date.now() + Math.min(horizon, 60 * 24 * hour) + 24 * hour);
        for (const sendAt of horizon >= hour ? [beyond] : [soon, beyond]) {
          const error = await relay
            .send({ ...base(), to: 'ada@example.org', sendAt })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(RelayError);
          expect((error as RelayError).kind).toBe('invalid');
          expect((error as RelayError).field).toBe('sendAt');
          expect((error as RelayError).message).toContain(provider.name);
          const [result] = await relay.sendBatch([{ ...base(), to: 'ada@example.org', sendAt }]);
          expect(result?.ok === false && result.error.field).toBe('sendAt');
        }
        expect(watch.hits()).toBe(0);
        watch.remove();
        if (horizon >= hour) {
          await relay.send({ ...base(), to: 'bob@example.org', sendAt: soon });
          const [message] = await sim.waitForMessages(1);
          expect(message?.scheduledAt).toBe(soon.getTime());
        }
      });
    });

    describe('send contract: recipient limits', () => {
      it('refuses a send over the per-message recipient limit before any call, naming the limit', async () => {
        const calls = sim.fail({ provider: target.name, everyNth: Number.MAX_SAFE_INTEGER });
        const limit = provider.capabilities.maxRecipients;
        const to = Array.from({ length: limit + 1 }, (_, i) => `r${i}@example.org`);
        const error = await relay.send({ ...base(), to }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RelayError);
        expect((error as RelayError).kind).toBe('invalid');
        expect((error as RelayError).field).toBe('to');
        expect((error as RelayError).message).toContain(`${provider.name} ${limit}`);
        const [result] = await relay.sendBatch([{ ...base(), to }]);
        expect(result?.ok === false && result.error.field).toBe('to');
        const direct = await provider
          .send(await normalizeMessage({ ...base(), to }), {
            attempt: 1,
            idempotencyKey: 'wide',
            signal: AbortSignal.timeout(5000),
          })
          .catch((e: unknown) => e);
        expect((direct as RelayError).kind).toBe('invalid');
        expect(calls.seen()).toBe(0);
      });

      it('splits a sendBatch into as many calls as the batch limit needs', async () => {
        sim.setWebhookUrl(target.name, undefined);
        const calls = sim.fail({ provider: target.name, everyNth: Number.MAX_SAFE_INTEGER });
        const size = provider.capabilities.maxBatchSize;
        const messages = Array.from({ length: size + 1 }, (_, i) => ({
          ...base(),
          to: `r${i}@example.org`,
        }));
        const results = await relay.sendBatch(messages);
        expect(results.filter((r) => r.ok)).toHaveLength(size + 1);
        expect(sim.messages.flatMap((m) => m.to)).toHaveLength(size + 1);
        expect(calls.seen()).toBe(2);
      });
    });

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

    describe('templates: the same kinds on every adapter', () => {
      beforeEach(() => {
        sim.templates.clear();
        sim.templates.set('conformance', { subject: 'Hi {{name}}', html: '<p>{{name}}</p>' });
      });
      const templated = (id: string, to: string, name = 'Ada') => ({
        from,
        to,
        template: { id, data: { name } },
      });

      it('declares templates and sends one, rendered, through send and sendBatch', async () => {
        expect(provider.capabilities.templates).toBe(true);
        const report = await relay.send(templated('conformance', 'ada@example.org'));
        expect(report).toMatchObject({ status: 'sent', template: 'conformance' });
        const batch = await relay.sendBatch([
          templated('conformance', 'b@example.org', 'Bea'),
          templated('conformance', 'c@example.org', 'Cy'),
        ]);
        expect(batch.every((r) => r.ok)).toBe(true);
        expect(sim.messages.map((m) => m.subject).sort()).toEqual(['Hi Ada', 'Hi Bea', 'Hi Cy']);
      });

      it('a missing template: kind template, naming it, not retried, in send and sendBatch', async () => {
        const attempts: number[] = [];
        relay.on('retry', (e) => attempts.push(e.attempt));
        const error = await relay
          .send(templated('missing-template', 'ada@example.org'))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RelayError);
        expect(error).toMatchObject({
          kind: 'template',
          template: 'missing-template',
          retryable: false,
          provider: provider.name,
        });
        expect(attempts).toEqual([1]);
        const [result] = await relay.sendBatch([
          templated('missing-template', 'b@example.org'),
          templated('missing-template', 'c@example.org'),
        ]);
        expect(result).toMatchObject({
          ok: false,
          error: { kind: 'template', template: 'missing-template' },
        });
        expect(sim.messages).toHaveLength(0);
      });

      it('refuses a template this provider has no id for, before any call', async () => {
        const other = target.name === 'ses' ? 'postmark' : 'ses';
        await expect(
          relay.send({ from, to: 'ada@example.org', template: { ids: { [other]: 'x' } } }),
        ).rejects.toMatchObject({ kind: 'invalid', field: 'template' });
        expect(sim.messages).toHaveLength(0);
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
