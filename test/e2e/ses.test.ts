import {
  createRelay,
  createSuppressionPolicy,
  memorySuppressionStore,
  serveWebhooks,
  type DeliveryEvent,
  type Relay,
  type SuppressionStore,
  type WebhookServer,
} from '@relaykit/core';
import { ses } from '@relaykit/ses';
import { startSimulator, type SimEvent, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

describe.each(['1', '2'] as const)(
  'ses end to end through the simulator (SNS SignatureVersion %s)',
  (version) => {
    let sim: Simulator;
    let hooks: WebhookServer | undefined;
    let relay: Relay;
    let store: SuppressionStore;
    let events: DeliveryEvent[];
    let confirmations: string[];

    const adapter = (topicArns: string[]) =>
      ses({
        ...sim.ses.options,
        configurationSetName: 'relaykit-events',
        webhook: {
          topicArns,
          fetchCertificate: async (url) => {
            if (url !== sim.ses.signingCertUrl)
              throw new Error(`unexpected certificate URL ${url}`);
            return sim.ses.certificatePem;
          },
        },
      });

    async function start(topicArns = [sim.ses.topicArn]): Promise<void> {
      await hooks?.close();
      store = memorySuppressionStore();
      confirmations = [];
      relay = createRelay({
        providers: [adapter(topicArns)],
        suppression: { store, policy: createSuppressionPolicy({ store }) },
        retry: { minDelayMs: 1, maxDelayMs: 5 },
        throttle: false,
        // SubscribeURLs point at the real SNS host; the test answers them instead of AWS.
        fetch: async (input) => {
          confirmations.push(String(input));
          return new Response('<ConfirmSubscriptionResponse/>', { status: 200 });
        },
      });
      events = [];
      relay.on('event', (e) => events.push(e));
      hooks = await serveWebhooks(relay);
      sim.setWebhookUrl('ses', `${hooks.url}/ses`);
    }

    const replay = (event: SimEvent | undefined, body = event?.body ?? '') => {
      const headers = { ...event?.headers };
      delete headers['content-length'];
      return fetch(`${hooks?.url}/ses`, { method: 'POST', headers, body });
    };

    beforeAll(async () => {
      sim = await startSimulator({
        seed: `ses-e2e-${version}`,
        webhooks: { snsSignatureVersion: version },
      });
    });
    afterAll(async () => {
      await hooks?.close();
      await sim.stop();
    });
    beforeEach(async () => {
      sim.reset();
      await start();
    });

    it('sends, takes the signed SNS notifications, and suppresses a hard bounce and a complaint', async () => {
      sim.recipients.set('gone@example.org', 'hard-bounce');
      sim.recipients.set('angry@example.org', 'complaint');
      sim.recipients.set('slow@example.org', { kind: 'defer', failures: 1 });
      const report = await relay.send({
        from: 'Acme <news@example.com>',
        to: ['alice@example.org', 'gone@example.org', 'angry@example.org', 'slow@example.org'],
        subject: 'Hi',
        text: 'hi',
        tags: ['welcome'],
        metadata: { order: 'A-1' },
      });
      expect(report).toMatchObject({
        status: 'sent',
        provider: 'ses',
        providerMessageId: sim.messages[0]?.id,
      });

      await sim.waitForEvents({ count: 6 });
      await sim.idle();
      expect(sim.events.every((e) => e.responseStatus === 200)).toBe(true);
      // Concurrent POSTs may finish in any order, so each recipient's events are compared as a set.
      const of = (recipient: string) =>
        events
          .filter((e) => e.recipient === recipient && e.type !== 'accepted')
          .map((e) => e.type)
          .sort();
      expect(of('alice@example.org')).toEqual(['delivered']);
      expect(of('gone@example.org')).toEqual(['bounced']);
      expect(of('angry@example.org')).toEqual(['complained', 'delivered']);
      expect(of('slow@example.org')).toEqual(['deferred', 'delivered']);

      const bounce = events.find((e) => e.type === 'bounced');
      expect(bounce).toMatchObject({
        provider: 'ses',
        messageId: report.messageId,
        providerMessageId: report.providerMessageId,
        from: 'news@example.com',
        tags: ['welcome'],
        metadata: { order: 'A-1' },
        bounce: { class: 'hard', smtpStatus: 550, enhancedStatus: '5.1.1' },
      });
      // The simulator defers with 421 4.7.28 (rate limited): a deferral, classified by core.
      expect(events.find((e) => e.type === 'deferred')?.bounce).toMatchObject({
        smtpStatus: 421,
        enhancedStatus: '4.7.28',
      });

      expect(
        await store.check(['gone@example.org', 'angry@example.org', 'alice@example.org']),
      ).toEqual(
        new Map([
          ['gone@example.org', expect.objectContaining({ reason: 'hard-bounce' })],
          ['angry@example.org', expect.objectContaining({ reason: 'complaint' })],
        ]),
      );
      const again = await relay.send({
        from: 'news@example.com',
        to: ['gone@example.org', 'alice@example.org'],
        subject: 'Again',
        text: 'x',
      });
      expect(again.recipients.map((r) => [r.address, r.status])).toEqual([
        ['gone@example.org', 'suppressed'],
        ['alice@example.org', 'sent'],
      ]);
      expect(sim.messages[1]?.to).toEqual(['alice@example.org']);
    });

    it('answers 401 and records nothing for a tampered body, a foreign certificate host or an unsupported SignatureVersion', async () => {
      await relay.send({
        from: 'news@example.com',
        to: 'alice@example.org',
        subject: 'Hi',
        text: 'hi',
      });
      const [delivered] = await sim.waitForEvents(1);
      await sim.idle();
      const seen = events.length;
      const body = delivered?.body ?? '';
      const i = body.indexOf('alice@example.org');
      const attempts = [
        `${body.slice(0, i)}b${body.slice(i + 1)}`,
        body.replace(
          sim.ses.signingCertUrl,
          sim.ses.signingCertUrl.replace('amazonaws.com', 'amazonaws.com.evil.test'),
        ),
        body.replace(/"SignatureVersion":"\d"/u, '"SignatureVersion":"3"'),
      ];
      for (const tampered of attempts) {
        expect(tampered).not.toBe(body);
        expect((await replay(delivered, tampered)).status).toBe(401);
      }
      expect(events).toHaveLength(seen);
      expect((await relay.status(events[0]?.messageId ?? '')).map((s) => s.status)).toEqual([
        'delivered',
      ]);
      // The genuine notification redelivered: acknowledged, processed once.
      expect((await replay(delivered)).status).toBe(200);
      expect(events).toHaveLength(seen);
    });

    it('answers 401 for a topic that is not allowed', async () => {
      await start(['arn:aws:sns:us-east-1:123456789012:someone-else']);
      await relay.send({
        from: 'news@example.com',
        to: 'alice@example.org',
        subject: 'Hi',
        text: 'hi',
      });
      const [posted] = await sim.waitForEvents(1);
      await sim.idle();
      expect(posted?.responseStatus).toBe(401);
      expect(events.filter((e) => e.type !== 'accepted')).toEqual([]);
    });

    it("seeds the throttle's account rate from GetAccount's MaxSendRate", async () => {
      const seeded = createRelay({
        providers: [adapter([sim.ses.topicArn])],
        retry: { minDelayMs: 1, maxDelayMs: 5 },
      });
      const throttleEvents: unknown[] = [];
      seeded.on('throttle', (e) => throttleEvents.push(e));
      await seeded.send({
        from: 'news@example.com',
        to: 'alice@example.org',
        subject: 'Hi',
        text: 'hi',
      });
      await expect
        .poll(() => throttleEvents)
        .toContainEqual(
          expect.objectContaining({ type: 'seed', scope: 'account', provider: 'ses', to: 14 }),
        );
      await seeded.close();
    });

    it('confirms the SNS subscription for an allowed topic', async () => {
      sim.ses.sendSubscriptionConfirmation();
      const [posted] = await sim.waitForEvents(1);
      await sim.idle();
      expect(posted?.responseStatus).toBe(200);
      expect(confirmations).toHaveLength(1);
      expect(confirmations[0]).toMatch(
        /^https:\/\/sns\.us-east-1\.amazonaws\.com\/\?Action=ConfirmSubscription&/u,
      );
      await start(['arn:aws:sns:us-east-1:123456789012:someone-else']);
      sim.ses.sendSubscriptionConfirmation();
      await sim.waitForEvents(2);
      await sim.idle();
      expect(sim.events[1]?.responseStatus).toBe(401);
      expect(confirmations).toHaveLength(0);
    });
  },
);
