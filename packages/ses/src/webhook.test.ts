import { createRelay, RelayError, type DeliveryEvent } from '@relaykit/core';
import { type WebhookContext, type WebhookRequest } from '@relaykit/core/adapter';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ses } from './provider.ts';
import { parseEnvelope, stringToSign, type SnsEnvelope } from './sns.ts';
import {
  notification,
  signEnvelope,
  testCertUrl,
  testIdentity,
  testTopic,
  type TestIdentity,
} from './test-support.ts';
import { createSesWebhook, parseSesEvent } from './webhook.ts';

let id: TestIdentity;
let other: TestIdentity;
beforeAll(() => {
  id = testIdentity();
  other = testIdentity();
});

const request = (body: unknown): WebhookRequest => ({
  method: 'POST',
  url: 'http://localhost/webhooks/ses',
  headers: new Headers({ 'content-type': 'text/plain; charset=UTF-8' }),
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

function context(
  fetchImpl: typeof fetch = vi.fn(async () => new Response('ok')),
): WebhookContext & { keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    now: Date.now,
    async remember(key) {
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    },
    fetch: fetchImpl,
  };
}

function webhook(
  options: {
    fetchCertificate?: (url: string) => Promise<string>;
    topicArns?: string[];
    maxAgeMs?: number;
    autoConfirm?: boolean;
  } = {},
) {
  const fetchCertificate = options.fetchCertificate ?? vi.fn(async () => id.certificatePem);
  return {
    fetchCertificate,
    hook: createSesWebhook({
      provider: 'ses',
      messageIdTag: 'relaykit-message-id',
      topicArns: options.topicArns ?? [testTopic],
      fetchCertificate,
      ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
      ...(options.autoConfirm === undefined ? {} : { autoConfirm: options.autoConfirm }),
    }),
  };
}

const mail = (destination: string[], tags: Record<string, string[]> = {}) => ({
  timestamp: '2026-03-01T10:00:00.000Z',
  source: 'Relay Sender <noreply@example.com>',
  messageId: '0100018e0b7f6a2b-3c1d9f8e-000000',
  destination,
  tags: { 'ses:operation': ['SendEmail'], 'relaykit-message-id': ['rk_abc'], ...tags },
});

async function expectAuth(promise: Promise<unknown>, pattern?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayError);
  expect((error as RelayError).kind).toBe('auth');
  if (pattern) expect((error as RelayError).message).toMatch(pattern);
}

describe('SNS signature verification', () => {
  it('builds the canonical string in the documented order, Subject only when present', () => {
    const base = {
      Type: 'Notification',
      MessageId: 'm',
      TopicArn: 't',
      Message: 'x',
      Timestamp: 'ts',
      SignatureVersion: '1',
      Signature: '',
      SigningCertURL: '',
    } as const;
    expect(stringToSign({ ...base })).toBe(
      'Message\nx\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n',
    );
    expect(stringToSign({ ...base, Subject: 's' })).toBe(
      'Message\nx\nMessageId\nm\nSubject\ns\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n',
    );
    const conf = {
      ...base,
      Type: 'UnsubscribeConfirmation' as const,
      SubscribeURL: 'u',
      Token: 'k',
    };
    expect(stringToSign(conf)).toBe(
      'Message\nx\nMessageId\nm\nSubscribeURL\nu\nTimestamp\nts\nToken\nk\nTopicArn\nt\nType\nUnsubscribeConfirmation\n',
    );
  });

  it.each(['1', '2'] as const)(
    'accepts a Notification signed with SignatureVersion %s',
    async (version) => {
      const { hook } = webhook();
      await expect(
        hook.verify(
          request(
            notification(
              id,
              { eventType: 'Send', mail: mail(['a@example.org']), send: {} },
              {},
              version,
            ),
          ),
          context(),
        ),
      ).resolves.toBeUndefined();
    },
  );

  it.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)(
    'accepts a signed %s (Token and SubscribeURL signed)',
    async (Type) => {
      const { hook } = webhook();
      const envelope = signEnvelope(id, {
        Type,
        MessageId: 'c1',
        TopicArn: testTopic,
        Message: 'You have chosen to subscribe',
        Timestamp: new Date().toISOString(),
        Token: 'tok',
        SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${testTopic}&Token=tok`,
      });
      await expect(hook.verify(request(envelope), context())).resolves.toBeUndefined();
      await expectAuth(
        hook.verify(request({ ...envelope, Token: 'tok2' }), context()),
        /signature/,
      );
    },
  );

  it('refuses a message with one byte changed, in any signed field', async () => {
    const { hook } = webhook();
    const good = notification(id, {
      eventType: 'Delivery',
      mail: mail(['a@example.org']),
      delivery: { recipients: ['a@example.org'] },
    });
    const body = JSON.stringify(good);
    const index = body.indexOf('a@example.org');
    const tampered = `${body.slice(0, index)}b${body.slice(index + 1)}`;
    await expectAuth(hook.verify(request(tampered), context()), /signature/);
    for (const key of ['Subject', 'MessageId', 'Timestamp', 'Type'] as const) {
      const changed = {
        ...good,
        [key]: key === 'Type' ? 'SubscriptionConfirmation' : `${good[key] ?? ''}x`,
      };
      await expectAuth(hook.verify(request(changed), context()));
    }
    // UnsubscribeURL is not signed, so changing it does not matter (and relaykit never follows it).
    await expect(
      hook.verify(request({ ...good, UnsubscribeURL: 'https://evil.example/' }), context()),
    ).resolves.toBeUndefined();
  });

  it('refuses a signature made with another key', async () => {
    const { hook } = webhook();
    await expectAuth(
      hook.verify(
        request(notification(other, { eventType: 'Send', mail: mail(['a@example.org']) })),
        context(),
      ),
      /signature/,
    );
  });

  it.each([
    ['http scheme', 'http://sns.us-east-1.amazonaws.com/cert.pem'],
    ['look-alike host', 'https://sns.us-east-1.amazonaws.com.evil.com/cert.pem'],
    ['S3 host', 'https://s3.amazonaws.com/sns/cert.pem'],
    ['not a .pem', 'https://sns.us-east-1.amazonaws.com/cert.txt'],
    ['another region', 'https://sns.eu-west-1.amazonaws.com/cert.pem'],
    ['userinfo', 'https://user@sns.us-east-1.amazonaws.com/cert.pem'],
    ['a port', 'https://sns.us-east-1.amazonaws.com:8443/cert.pem'],
    ['not a URL', 'sns.us-east-1.amazonaws.com/cert.pem'],
  ])('refuses a SigningCertURL with %s, before fetching it', async (_, url) => {
    const { hook, fetchCertificate } = webhook();
    const envelope = notification(
      id,
      { eventType: 'Send', mail: mail(['a@example.org']) },
      { SigningCertURL: url },
    );
    await expectAuth(hook.verify(request(envelope), context()));
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it('accepts the China partition host for an aws-cn topic', async () => {
    const topic = 'arn:aws-cn:sns:cn-north-1:123456789012:events';
    const { hook } = webhook({ topicArns: [topic] });
    const envelope = notification(
      id,
      { eventType: 'Send', mail: mail(['a@example.org']) },
      { TopicArn: topic, SigningCertURL: 'https://sns.cn-north-1.amazonaws.com.cn/x.pem' },
    );
    await expect(hook.verify(request(envelope), context())).resolves.toBeUndefined();
  });

  it('refuses a topic not in the allow-list, without fetching the certificate', async () => {
    const { hook, fetchCertificate } = webhook({
      topicArns: ['arn:aws:sns:us-east-1:123456789012:other'],
    });
    await expectAuth(
      hook.verify(
        request(notification(id, { eventType: 'Send', mail: mail(['a@example.org']) })),
        context(),
      ),
      /topicArns/,
    );
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it.each(['3', '0', ''])('refuses SignatureVersion %j', async (version) => {
    const { hook } = webhook();
    const envelope = {
      ...notification(id, { eventType: 'Send', mail: mail(['a@example.org']) }),
      SignatureVersion: version,
    };
    await expectAuth(hook.verify(request(envelope), context()), /SignatureVersion/);
  });

  it('refuses an expired certificate, an unreadable one, and a failed fetch', async () => {
    const expired = testIdentity(
      new Date(Date.now() - 10 * 86_400_000),
      new Date(Date.now() - 86_400_000),
    );
    await expectAuth(
      webhook({ fetchCertificate: async () => expired.certificatePem }).hook.verify(
        request(notification(expired, { eventType: 'Send' })),
        context(),
      ),
      /expired/,
    );
    await expectAuth(
      webhook({ fetchCertificate: async () => 'not a pem' }).hook.verify(
        request(notification(id, { eventType: 'Send' })),
        context(),
      ),
      /PEM/,
    );
    await expectAuth(
      webhook({ fetchCertificate: async () => Promise.reject(new Error('down')) }).hook.verify(
        request(notification(id, { eventType: 'Send' })),
        context(),
      ),
      /fetched/,
    );
  });

  it('caches the certificate by URL, and does not cache a failed fetch', async () => {
    let calls = 0;
    const { hook } = webhook({
      fetchCertificate: async () => {
        calls += 1;
        if (calls === 1) throw new Error('flaky');
        return id.certificatePem;
      },
    });
    await expectAuth(hook.verify(request(notification(id, { eventType: 'Send' })), context()));
    await hook.verify(request(notification(id, { eventType: 'Send' })), context());
    await hook.verify(request(notification(id, { eventType: 'Send' })), context());
    expect(calls).toBe(2);
  });

  it('refuses notifications older than maxAgeMs (replay guard) and far in the future', async () => {
    const { hook } = webhook({ maxAgeMs: 60_000 });
    await expectAuth(
      hook.verify(
        request(
          notification(
            id,
            { eventType: 'Send' },
            { Timestamp: new Date(Date.now() - 120_000).toISOString() },
          ),
        ),
        context(),
      ),
      /older/,
    );
    await expectAuth(
      hook.verify(
        request(
          notification(
            id,
            { eventType: 'Send' },
            { Timestamp: new Date(Date.now() + 3_600_000).toISOString() },
          ),
        ),
        context(),
      ),
      /future/,
    );
    const off = webhook({ maxAgeMs: 0 }).hook;
    await expect(
      off.verify(
        request(notification(id, { eventType: 'Send' }, { Timestamp: '2020-01-01T00:00:00.000Z' })),
        context(),
      ),
    ).resolves.toBeUndefined();
  });

  it('is a config error without topicArns (and ses() refuses a webhook option without them)', async () => {
    const hook = createSesWebhook({ provider: 'ses', messageIdTag: 'relaykit-message-id' });
    const error = await hook
      .verify(request(notification(id, { eventType: 'Send' })), context())
      .catch((e: unknown) => e);
    expect((error as RelayError).kind).toBe('config');
    expect(() => ses({ region: 'us-east-1', webhook: {} })).toThrow(/topicArns/);
  });

  it('reads an unreadable body as invalid', async () => {
    const { hook } = webhook();
    for (const body of [
      '',
      'not json',
      '[]',
      '{"Type":"Notification"}',
      JSON.stringify({ ...notification(id, {}), Type: 'Other' }),
    ]) {
      const error = await hook.verify(request(body), context()).catch((e: unknown) => e);
      expect((error as RelayError).kind).toBe('invalid');
    }
  });
});

describe('subscription handling', () => {
  const confirmation = (url: string) =>
    signEnvelope(id, {
      Type: 'SubscriptionConfirmation',
      MessageId: 'c1',
      TopicArn: testTopic,
      Message: 'confirm',
      Timestamp: new Date().toISOString(),
      Token: 'tok',
      SubscribeURL: url,
    });
  const goodUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${testTopic}&Token=tok`;

  it('confirms an allowed topic by GETting the SubscribeURL through the context fetch', async () => {
    const fetchImpl = vi.fn(async () => new Response('<ConfirmSubscriptionResponse/>'));
    const { hook } = webhook();
    const req = request(confirmation(goodUrl));
    await hook.verify(req, context(fetchImpl));
    const result = await hook.parse(req, context(fetchImpl));
    expect(result.events).toEqual([]);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(String((fetchImpl.mock.calls[0] as unknown[])[0])).toBe(goodUrl);
  });

  it('refuses a signed confirmation whose SubscribeURL is not SNS (SSRF guard)', async () => {
    const fetchImpl = vi.fn(async () => new Response('ok'));
    const { hook } = webhook();
    const req = request(confirmation('https://169.254.169.254/latest/meta-data/'));
    await hook.verify(req, context(fetchImpl));
    await expectAuth(hook.parse(req, context(fetchImpl)));
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('does not confirm when autoConfirm is off, and fails (for SNS to retry) when SNS answers an error', async () => {
    const fetchImpl = vi.fn(async () => new Response('no', { status: 500 }));
    const off = webhook({ autoConfirm: false }).hook;
    expect(
      (await off.parse(request(confirmation(goodUrl)), context(fetchImpl))).response?.status,
    ).toBe(200);
    expect(fetchImpl).not.toHaveBeenCalled();
    const error = await webhook()
      .hook.parse(request(confirmation(goodUrl)), context(fetchImpl))
      .catch((e: unknown) => e);
    expect((error as RelayError).kind).toBe('transient');
  });

  it('acknowledges an UnsubscribeConfirmation without events or requests', async () => {
    const fetchImpl = vi.fn(async () => new Response('ok'));
    const envelope = signEnvelope(id, {
      Type: 'UnsubscribeConfirmation',
      MessageId: 'u1',
      TopicArn: testTopic,
      Message: 'bye',
      Timestamp: new Date().toISOString(),
      Token: 't',
      SubscribeURL: goodUrl,
    });
    const result = await webhook().hook.parse(request(envelope), context(fetchImpl));
    expect(result.events).toEqual([]);
    expect(fetchImpl).not.toHaveBeenCalled();
  });
});

describe('SES events → DeliveryEvents', () => {
  const parse = async (event: unknown, overrides: Partial<SnsEnvelope> = {}) => {
    const { hook } = webhook();
    return (await hook.parse(request(notification(id, event, overrides)), context())).events;
  };

  it('maps a Permanent bounce per recipient, with the DSN codes and the core classification', async () => {
    const events = await parse(
      {
        eventType: 'Bounce',
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [
            {
              emailAddress: 'Nobody@Example.ORG',
              action: 'failed',
              status: '5.1.1',
              diagnosticCode: 'smtp; 550 5.1.1 user unknown',
            },
            { emailAddress: 'other@example.org' },
          ],
          timestamp: '2026-03-01T10:00:04.669Z',
          feedbackId: 'f1',
        },
        mail: mail(['Nobody@Example.ORG', 'other@example.org'], {
          campaign: ['spring'],
          vip: ['true'],
          stream_name: ['x'],
          'relaykit-stream': ['outreach'],
        }),
      },
      { MessageId: 'sns-1' },
    );
    expect(events).toHaveLength(2);
    const [first, second] = events as [DeliveryEvent, DeliveryEvent];
    expect(first).toMatchObject({
      id: 'sns-1:Nobody@example.org',
      type: 'bounced',
      provider: 'ses',
      messageId: 'rk_abc',
      providerMessageId: '0100018e0b7f6a2b-3c1d9f8e-000000',
      recipient: 'Nobody@example.org',
      from: 'noreply@example.com',
      stream: 'outreach',
      at: new Date('2026-03-01T10:00:04.669Z'),
      bounce: {
        class: 'hard',
        smtpStatus: 550,
        enhancedStatus: '5.1.1',
        diagnostic: '550 5.1.1 user unknown',
      },
      tags: ['vip'],
      metadata: { campaign: 'spring', stream_name: 'x' },
    });
    expect(second.bounce?.class).toBe('hard');
    expect(second.raw).toMatchObject({ eventType: 'Bounce' });
  });

  it.each([
    ['Permanent', 'General', 'bounced', 'hard'],
    ['Permanent', 'NoEmail', 'bounced', 'hard'],
    ['Permanent', 'UnsubscribedRecipient', 'bounced', 'hard'],
    ['Permanent', 'Suppressed', 'suppressed', 'hard'],
    ['Permanent', 'OnAccountSuppressionList', 'suppressed', 'hard'],
    ['Permanent', 'OnTenantSuppressionList', 'suppressed', 'hard'],
    ['Transient', 'General', 'bounced', 'soft'],
    ['Transient', 'MailboxFull', 'bounced', 'soft'],
    ['Transient', 'MessageTooLarge', 'bounced', undefined],
    ['Transient', 'ContentRejected', 'bounced', undefined],
    ['Transient', 'AttachmentRejected', 'bounced', undefined],
    ['Undetermined', 'Undetermined', 'bounced', 'undetermined'],
  ])('bounce %s/%s → %s (%s)', async (bounceType, bounceSubType, type, cls) => {
    const [event] = await parse({
      eventType: 'Bounce',
      bounce: { bounceType, bounceSubType, bouncedRecipients: [{ emailAddress: 'a@example.org' }] },
      mail: mail(['a@example.org']),
    });
    expect(event?.type).toBe(type);
    // Transient bounces are final for the message (SES stopped retrying), never 'hard'.
    if (cls === undefined) expect(event?.bounce?.class).not.toBe('hard');
    else expect(event?.bounce?.class).toBe(cls);
  });

  it('maps every other event type', async () => {
    const m = mail(['a@example.org', 'b@example.org']);
    expect(
      (await parse({ eventType: 'Send', mail: m, send: {} })).map((e) => [e.type, e.recipient]),
    ).toEqual([
      ['accepted', 'a@example.org'],
      ['accepted', 'b@example.org'],
    ]);
    const delivered = await parse({
      eventType: 'Delivery',
      mail: m,
      delivery: {
        timestamp: '2026-03-01T10:00:02.133Z',
        recipients: ['b@example.org'],
        smtpResponse: '250 ok',
      },
    });
    expect(delivered.map((e) => [e.type, e.recipient, e.at.toISOString()])).toEqual([
      ['delivered', 'b@example.org', '2026-03-01T10:00:02.133Z'],
    ]);
    const delayed = await parse({
      eventType: 'DeliveryDelay',
      mail: m,
      deliveryDelay: {
        delayType: 'TransientCommunicationFailure',
        delayedRecipients: [
          {
            emailAddress: 'a@example.org',
            status: '4.4.1',
            diagnosticCode: 'smtp; 421 4.4.1 Unable to connect',
          },
        ],
        timestamp: '2026-03-01T10:10:40.095Z',
      },
    });
    expect(delayed[0]).toMatchObject({
      type: 'deferred',
      bounce: { class: 'soft', smtpStatus: 421, enhancedStatus: '4.4.1' },
    });
    const complained = await parse({
      eventType: 'Complaint',
      mail: m,
      complaint: {
        complainedRecipients: [{ emailAddress: 'a@example.org' }],
        complaintFeedbackType: 'abuse',
        userAgent: 'ISP-FBL',
      },
    });
    expect(complained[0]).toMatchObject({ type: 'complained', userAgent: 'ISP-FBL' });
    expect(
      await parse({
        eventType: 'Complaint',
        mail: m,
        complaint: {
          complainedRecipients: [{ emailAddress: 'a@example.org' }],
          complaintFeedbackType: 'not-spam',
        },
      }),
    ).toEqual([]);
    const suppressedComplaint = await parse({
      eventType: 'Complaint',
      mail: m,
      complaint: {
        complainedRecipients: [{ emailAddress: 'a@example.org' }],
        complaintSubType: 'OnAccountSuppressionList',
      },
    });
    expect(suppressedComplaint[0]?.type).toBe('suppressed');
    expect(
      (await parse({ eventType: 'Reject', mail: m, reject: { reason: 'Bad content' } })).map(
        (e) => e.type,
      ),
    ).toEqual(['rejected', 'rejected']);
    expect(
      (
        await parse({
          eventType: 'Rendering Failure',
          mail: m,
          failure: { templateName: 't', errorMessage: 'x' },
        })
      )[0]?.type,
    ).toBe('rejected');
    const opened = await parse({
      eventType: 'Open',
      mail: mail(['a@example.org']),
      open: { ipAddress: '192.0.2.1', timestamp: '2026-03-01T11:00:00.000Z', userAgent: 'Mozilla' },
    });
    expect(opened[0]).toMatchObject({ type: 'opened', userAgent: 'Mozilla' });
    const clicked = await parse({
      eventType: 'Click',
      mail: mail(['a@example.org']),
      click: {
        link: 'https://example.com/x',
        userAgent: 'Mozilla',
        timestamp: '2026-03-01T11:00:00.000Z',
      },
    });
    expect(clicked[0]).toMatchObject({ type: 'clicked', url: 'https://example.com/x' });
    const unsub = await parse({
      eventType: 'Subscription',
      mail: mail(['a@example.org']),
      subscription: {
        contactList: 'l',
        newTopicPreferences: {
          unsubscribeAll: false,
          topicSubscriptionStatus: [{ topicName: 'news', subscriptionStatus: 'OptOut' }],
        },
      },
    });
    expect(unsub[0]?.type).toBe('unsubscribed');
    expect(
      await parse({
        eventType: 'Subscription',
        mail: m,
        subscription: {
          newTopicPreferences: {
            unsubscribeAll: false,
            topicSubscriptionStatus: [{ topicName: 'news', subscriptionStatus: 'OptIn' }],
          },
        },
      }),
    ).toEqual([]);
  });

  it('reads the older notificationType format (no tags: the ledger maps the SES message id)', async () => {
    const events = await parse({
      notificationType: 'Delivery',
      mail: {
        timestamp: '2026-03-01T10:00:00.000Z',
        messageId: 'ses-1',
        source: 'noreply@example.com',
        destination: ['alice@example.org'],
      },
      delivery: {
        timestamp: '2026-03-01T10:00:02.133Z',
        recipients: ['alice@example.org'],
        remoteMtaIp: '127.0.2.0',
      },
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'delivered',
      providerMessageId: 'ses-1',
      recipient: 'alice@example.org',
    });
    expect(events[0]?.messageId).toBeUndefined();
  });

  it('ignores SES notices and non-JSON messages; a redelivered MessageId yields its events again, with the same ids', async () => {
    expect(
      await parse({ notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'ok' }),
    ).toEqual([]);
    expect(
      await parse('Successfully validated SNS topic for Amazon SES event publishing.'),
    ).toEqual([]);
    const { hook } = webhook();
    const ctx = context();
    const req = request(notification(id, { eventType: 'Send', mail: mail(['a@example.org']) }));
    // SNS redelivers when the first attempt failed (say the store was busy): the adapter must not
    // have marked it seen, or the redelivery is dropped. The relay's event dedupe does that part.
    const first = (await hook.parse(req, ctx)).events;
    const again = (await hook.parse(req, ctx)).events;
    expect(first).toHaveLength(1);
    expect(again.map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(ctx.keys.size).toBe(0);
  });

  it('reports inbound mail (a receipt rule Received notification) and foreign messages as misrouted', async () => {
    const { hook } = webhook();
    const received = {
      notificationType: 'Received',
      mail: mail(['support@example.com']),
      receipt: { recipients: ['support@example.com'], action: { type: 'SNS' } },
    };
    expect(await hook.parse(request(notification(id, received)), context())).toEqual({
      events: [],
      misrouted: { what: expect.stringMatching(/inbound mail/u) },
    });
    expect(
      (await hook.parse(request(notification(id, { AlarmName: 'cpu' })), context())).misrouted,
    ).toEqual({ what: expect.stringMatching(/not an SES event/u) });
  });

  it('acknowledges a notification it cannot read, with the SNS MessageId and the reason', async () => {
    const { hook } = webhook();
    const result = await hook.parse(
      request(
        notification(
          id,
          { eventType: 'Bounce', mail: mail(['a@example.org']) },
          { MessageId: 'm-1' },
        ),
      ),
      context(),
    );
    expect(result).toEqual({
      events: [],
      unreadable: [{ eventId: 'm-1', reason: expect.stringMatching(/without its 'bounce'/u) }],
    });
  });

  it.each(['constructor', '__proto__', 'toString'])(
    "reads an eventType named '%s' as an unknown type (no events), not Object's member",
    async (kind) => {
      const { hook } = webhook();
      expect(
        await hook.parse(
          request(notification(id, { eventType: kind, mail: mail(['a@example.org']) })),
          context(),
        ),
      ).toEqual({ events: [] });
    },
  );

  it('drops a recipient that is not an address, keeping the others', async () => {
    const events = await parse({
      eventType: 'Delivery',
      mail: mail(['a@example.org', 'not an address']),
      delivery: { recipients: ['a@example.org', 'not an address', 'b@EXAMPLE.org'] },
    });
    expect(events.map((e) => e.recipient)).toEqual(['a@example.org', 'b@example.org']);
  });

  it('keeps event ids stable across redeliveries', async () => {
    const event = {
      eventType: 'Delivery',
      mail: mail(['a@example.org']),
      delivery: { recipients: ['a@example.org'] },
    };
    const a = await parse(event, { MessageId: 'same' });
    const b = await parse(event, { MessageId: 'same' });
    expect(a[0]?.id).toBe(b[0]?.id);
  });

  it('refuses a known event type without its detail object', () => {
    expect(() =>
      parseSesEvent(
        { eventType: 'Bounce', mail: mail(['a@example.org']) },
        { provider: 'ses', messageIdTag: 't', notificationId: 'n', fallbackAt: new Date() },
      ),
    ).toThrow(RelayError);
  });
});

describe('hostile input (fast-check)', () => {
  const unverified = createSesWebhook({
    provider: 'ses',
    messageIdTag: 'relaykit-message-id',
    dangerouslySkipVerification: true,
  });
  const settle = async (body: string) => {
    try {
      const result = await unverified.parse(request(body), context());
      expect(Array.isArray(result.events)).toBe(true);
      for (const e of result.events) expect(typeof e.recipient).toBe('string');
    } catch (error) {
      expect(error).toBeInstanceOf(RelayError);
      expect(['invalid', 'auth', 'transient']).toContain((error as RelayError).kind);
    }
  };

  it('never crashes on arbitrary strings and JSON bodies', async () => {
    await fc.assert(fc.asyncProperty(fc.string(), settle), { numRuns: 300 });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), (v) => settle(JSON.stringify(v))),
      { numRuns: 300 },
    );
  });

  it('never crashes on envelopes carrying arbitrary SES events', async () => {
    const kinds = fc.constantFrom(
      'Send',
      'Delivery',
      'Bounce',
      'Complaint',
      'DeliveryDelay',
      'Reject',
      'Rendering Failure',
      'Open',
      'Click',
      'Subscription',
      'Other',
    );
    const field = fc.oneof(
      fc.anything(),
      fc.array(
        fc.oneof(
          fc.string(),
          fc.record({
            emailAddress: fc.anything(),
            status: fc.anything(),
            diagnosticCode: fc.anything(),
          }),
        ),
      ),
    );
    const event = fc.record({
      eventType: kinds,
      mail: fc.oneof(
        fc.anything(),
        fc.record({
          destination: field,
          tags: fc.anything(),
          messageId: fc.anything(),
          source: fc.anything(),
        }),
      ),
      bounce: fc.oneof(
        fc.anything(),
        fc.record({
          bounceType: fc.anything(),
          bounceSubType: fc.anything(),
          bouncedRecipients: field,
        }),
      ),
      delivery: fc.oneof(fc.anything(), fc.record({ recipients: field, timestamp: fc.anything() })),
      complaint: fc.oneof(fc.anything(), fc.record({ complainedRecipients: field })),
      deliveryDelay: fc.oneof(fc.anything(), fc.record({ delayedRecipients: field })),
    });
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        const envelope = {
          Type: 'Notification',
          MessageId: 'm',
          TopicArn: testTopic,
          Message: JSON.stringify(e) ?? 'null',
          Timestamp: new Date().toISOString(),
          SignatureVersion: '2',
          Signature: 'x',
          SigningCertURL: testCertUrl,
        };
        await settle(JSON.stringify(envelope));
      }),
      { numRuns: 500 },
    );
  });

  it('verify answers arbitrary bodies with a typed error, never a crash or a pass', async () => {
    const { hook } = webhook();
    const envelopeLike = fc.record({
      Type: fc.oneof(
        fc.constantFrom('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'),
        fc.anything(),
      ),
      MessageId: fc.oneof(fc.string(), fc.anything()),
      TopicArn: fc.oneof(fc.constant(testTopic), fc.string()),
      Message: fc.oneof(fc.string(), fc.anything()),
      Timestamp: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
      ),
      SignatureVersion: fc.oneof(fc.constantFrom('1', '2'), fc.string()),
      Signature: fc.oneof(fc.base64String(), fc.anything()),
      SigningCertURL: fc.oneof(fc.constant(testCertUrl), fc.webUrl(), fc.anything()),
      Subject: fc.anything(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          envelopeLike.map((e) => JSON.stringify(e) ?? ''),
        ),
        async (body) => {
          const error = await hook.verify(request(body), context()).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(RelayError);
          expect(['invalid', 'auth']).toContain((error as RelayError).kind);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parseEnvelope rejects non-string fields', () => {
    expect(() => parseEnvelope(JSON.stringify({ ...notification(id, {}), Subject: 5 }))).toThrow(
      /Subject/,
    );
  });
});

describe('through relay.webhooks.handle', () => {
  it('answers 401 and records nothing for tampered, foreign-host, unlisted-topic and unsupported-version messages', async () => {
    const provider = ses({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      webhook: { topicArns: [testTopic], fetchCertificate: async () => id.certificatePem },
    });
    const relay = createRelay({ providers: [provider] });
    const seen: DeliveryEvent[] = [];
    relay.on('event', (e) => seen.push(e));
    const post = (body: string) =>
      relay.webhooks.handle(new Request('http://localhost/webhooks/ses', { method: 'POST', body }));
    const event = {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'a@example.org' }],
      },
      mail: mail(['a@example.org']),
    };
    const good = JSON.stringify(notification(id, event));
    const at = good.indexOf('Permanent');
    const bad = [
      `${good.slice(0, at)}X${good.slice(at + 1)}`,
      JSON.stringify(
        notification(id, event, {
          SigningCertURL: 'https://sns.us-east-1.amazonaws.com.evil.com/c.pem',
        }),
      ),
      JSON.stringify(
        notification(id, event, { TopicArn: 'arn:aws:sns:us-east-1:123456789012:not-mine' }),
      ),
      JSON.stringify({ ...JSON.parse(good), SignatureVersion: '3' }),
    ];
    for (const body of bad) expect((await post(body)).status).toBe(401);
    expect(seen).toEqual([]);
    expect(await relay.status('rk_abc')).toEqual([]);
    expect((await post(good)).status).toBe(200);
    expect(seen.map((e) => e.type)).toEqual(['bounced']);
    await relay.close();
  });

  it('acknowledges inbound mail and an unreadable event with 200 and records nothing (not a 400 SNS would retry)', async () => {
    const provider = ses({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      webhook: { topicArns: [testTopic], fetchCertificate: async () => id.certificatePem },
    });
    const relay = createRelay({ providers: [provider] });
    const seen: DeliveryEvent[] = [];
    relay.on('event', (e) => seen.push(e));
    const post = (body: unknown) =>
      relay.webhooks.handle(
        new Request('http://localhost/webhooks/ses', {
          method: 'POST',
          body: JSON.stringify(body),
        }),
      );
    const inbound = notification(id, {
      notificationType: 'Received',
      mail: mail(['support@example.com']),
      receipt: { recipients: ['support@example.com'], action: { type: 'SNS' } },
    });
    expect((await post(inbound)).status).toBe(200);
    const poison = notification(id, { eventType: 'Bounce', mail: mail(['a@example.org']) });
    expect((await post(poison)).status).toBe(200);
    expect(seen).toEqual([]);
    await relay.close();
  });
});
