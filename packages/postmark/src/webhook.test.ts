import type { RelayError } from '@relaykit/core';
import { type WebhookRequest } from '@relaykit/core/adapter';
import fc from 'fast-check';
import { unlessInvalid } from '@relaykit/core/testing';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.ts';
import {
  parsePostmarkWebhook,
  postmarkWebhook,
  safeEqual,
  stableEventId,
  verifyPostmarkWebhook,
  type WebhookSettings,
} from './webhook.ts';

const meta = {
  'relaykit-message-id': 'rk_abc',
  'relaykit-tags': '["second","third"]',
  plan: 'pro',
};
const delivery = {
  RecordType: 'Delivery',
  ServerID: 23,
  MessageStream: 'outbound',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Recipient: 'john@Example.com',
  Tag: 'receipt',
  DeliveredAt: '2026-03-01T10:00:02.9070259Z',
  Details: 'smtp;250 2.0.0 OK',
  Metadata: meta,
};
const bounce = (Type: string, extra: Record<string, unknown> = {}) => ({
  RecordType: 'Bounce',
  ID: 4323372036854775,
  Type,
  TypeCode: 1,
  Name: Type,
  Tag: 'receipt',
  MessageID: delivery.MessageID,
  Metadata: meta,
  ServerID: 23,
  MessageStream: 'outbound',
  Description: 'The server was unable to deliver your message.',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: 'john@example.com',
  From: 'noreply@example.com',
  BouncedAt: '2026-03-01T10:00:03.2735393Z',
  DumpAvailable: true,
  Inactive: true,
  CanActivate: true,
  Subject: 'Your receipt',
  ...extra,
});
const complaint = {
  RecordType: 'SpamComplaint',
  MessageStream: 'outbound',
  ID: 42,
  Type: 'SpamComplaint',
  TypeCode: 512,
  Name: 'Spam complaint',
  Tag: 'receipt',
  MessageID: delivery.MessageID,
  Metadata: meta,
  ServerID: 23,
  Description: '',
  Details: 'Test spam complaint details',
  Email: 'john@example.com',
  From: 'noreply@example.com',
  BouncedAt: '2026-03-01T12:41:02.9070259Z',
  DumpAvailable: true,
  Inactive: true,
  CanActivate: false,
  Subject: 'Your receipt',
};
const engagement = {
  Client: { Name: 'Chrome', Company: 'Google', Family: 'Chrome' },
  OS: { Name: 'macOS', Company: 'Apple', Family: 'OS X' },
  Platform: 'Desktop',
  UserAgent: 'Mozilla/5.0',
  Geo: {},
  MessageID: delivery.MessageID,
  ReceivedAt: '2026-03-01T11:00:00Z',
  Tag: 'receipt',
  Recipient: 'john@example.com',
  MessageStream: 'outbound',
  Metadata: meta,
};
const open = { RecordType: 'Open', FirstOpen: true, ReadSeconds: 5, ...engagement };
const click = {
  RecordType: 'Click',
  ClickLocation: 'HTML',
  OriginalLink: 'https://example.com/a',
  ...engagement,
};
const subscription = (extra: Record<string, unknown>) => ({
  RecordType: 'SubscriptionChange',
  MessageID: delivery.MessageID,
  ServerID: 23,
  MessageStream: 'outbound',
  ChangedAt: '2026-03-01T10:53:34.416071Z',
  Recipient: 'john@example.com',
  Origin: 'Recipient',
  SuppressSending: true,
  SuppressionReason: 'HardBounce',
  Tag: 'receipt',
  Metadata: meta,
  ...extra,
});

const settings: WebhookSettings = {
  provider: 'postmark',
  auth: { skip: true },
  streams: new Map([['broadcast', 'outreach']]),
};
const parse = (payload: unknown) =>
  parsePostmarkWebhook(
    { body: typeof payload === 'string' ? payload : JSON.stringify(payload) },
    settings,
  ).events;
const one = (payload: unknown) => {
  const events = parse(payload);
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe('parsePostmarkWebhook', () => {
  it('Delivery → delivered, with relaykit id, tags and metadata from Metadata', () => {
    const e = one(delivery);
    expect(e).toMatchObject({
      type: 'delivered',
      provider: 'postmark',
      messageId: 'rk_abc',
      providerMessageId: delivery.MessageID,
      recipient: 'john@example.com',
      at: new Date('2026-03-01T10:00:02.907Z'),
      tags: ['receipt', 'second', 'third'],
      metadata: { plan: 'pro' },
      raw: delivery,
    });
    expect(e.id).toBe(
      stableEventId('Delivery', delivery.MessageID, 'john@example.com', delivery.DeliveredAt),
    );
    expect(e.stream).toBeUndefined();
    expect(one({ ...delivery, MessageStream: 'broadcast' }).stream).toBe('outreach');
  });

  it('the event id is stable across redeliveries and differs between records', () => {
    expect(one(delivery).id).toBe(one(JSON.parse(JSON.stringify(delivery))).id);
    expect(one(delivery).id).not.toBe(one({ ...delivery, DeliveredAt: '2026-03-01T10:00:09Z' }).id);
    expect(one(open).id).not.toBe(one(click).id);
  });

  it('Bounce HardBounce → bounced hard, with SMTP codes, id from the bounce ID as sent', () => {
    const body = JSON.stringify(bounce('HardBounce')).replace(
      '4323372036854775',
      '4323372036854775807',
    );
    const e = one(body);
    expect(e).toMatchObject({
      id: 'Bounce:4323372036854775807',
      type: 'bounced',
      from: 'noreply@example.com',
      bounce: { class: 'hard', category: 'unknown-user', smtpStatus: 550, enhancedStatus: '5.1.1' },
    });
    expect(e.bounce?.diagnostic).toMatch(/^550 5\.1\.1 The email account/u);
    const other = one(body.replace('4323372036854775807', '4323372036854775808'));
    expect(other.id).not.toBe(e.id);
  });

  const typeCases: Array<[string, Record<string, unknown>, { type: string; class?: string }]> = [
    [
      'SoftBounce',
      { Inactive: false, Details: 'smtp;452 4.2.2 Mailbox full' },
      { type: 'bounced', class: 'soft' },
    ],
    [
      'SoftBounce',
      { Inactive: true, Details: 'smtp;452 4.2.2 Mailbox full' },
      { type: 'bounced', class: 'hard' },
    ],
    [
      'DnsError',
      { Inactive: false, Details: 'DNS lookup failed' },
      { type: 'bounced', class: 'soft' },
    ],
    [
      'Transient',
      { Inactive: false, Details: 'smtp;421 4.4.2 try later' },
      { type: 'deferred', class: 'soft' },
    ],
    ['BadEmailAddress', { Details: '' }, { type: 'bounced', class: 'hard' }],
    [
      'Blocked',
      { Inactive: false, Details: 'smtp;554 blocked by policy' },
      { type: 'bounced', class: 'block' },
    ],
    [
      'Blocked',
      { Inactive: false, Details: 'smtp;550 5.7.1 rejected' },
      { type: 'bounced', class: 'block' },
    ],
    [
      'DMARCPolicy',
      { Inactive: false, Details: 'smtp;550 5.7.26 DMARC' },
      { type: 'bounced', class: 'block' },
    ],
    ['SpamNotification', { Inactive: false, Details: '' }, { type: 'bounced', class: 'block' }],
    ['VirusNotification', { Inactive: false, Details: '' }, { type: 'bounced', class: 'block' }],
    [
      'Unknown',
      { Inactive: false, Details: 'something odd' },
      { type: 'bounced', class: 'undetermined' },
    ],
    ['SomethingNew', { Inactive: false, Details: '' }, { type: 'bounced', class: 'undetermined' }],
    ['SMTPApiError', { Inactive: false }, { type: 'rejected' }],
    ['TemplateRenderingFailed', { Inactive: false }, { type: 'rejected' }],
    ['SpamComplaint', {}, { type: 'complained' }],
    ['ManuallyDeactivated', {}, { type: 'suppressed' }],
    ['Unconfirmed', {}, { type: 'suppressed' }],
    ['Unsubscribe', { Inactive: false }, { type: 'unsubscribed' }],
    ['AutoResponder', { Inactive: false }, { type: 'unknown' }],
    ['Subscribe', { Inactive: false }, { type: 'unknown' }],
    ['AddressChange', { Inactive: false }, { type: 'unknown' }],
    ['OpenRelayTest', { Inactive: false }, { type: 'unknown' }],
    ['ChallengeVerification', { Inactive: false }, { type: 'unknown' }],
    ['InboundError', { Inactive: false }, { type: 'unknown' }],
  ];
  for (const [type, extra, expected] of typeCases) {
    it(`Bounce ${type} (${JSON.stringify(extra)}) → ${expected.type}${expected.class ? ` ${expected.class}` : ''}`, () => {
      const e = one(bounce(type, extra));
      expect(e.type).toBe(expected.type);
      if (expected.class) expect(e.bounce?.class).toBe(expected.class);
      else expect(e.bounce).toBeUndefined();
    });
  }

  it('sender-side types are block with their category; Inactive makes a bounce hard (suppressed)', () => {
    expect(
      one(bounce('Blocked', { Inactive: false, Details: 'smtp;554 5.1.1 odd' })).bounce,
    ).toMatchObject({ class: 'block', category: 'policy' });
    expect(one(bounce('DMARCPolicy', { Inactive: false, Details: '' })).bounce).toMatchObject({
      class: 'block',
      category: 'authentication',
    });
    expect(one(bounce('Unknown', { Inactive: true, Details: 'odd' })).bounce).toMatchObject({
      class: 'hard',
      category: 'suppressed',
    });
  });

  it('routes on Type, never TypeCode', () => {
    expect(one(bounce('HardBounce', { TypeCode: 512 })).type).toBe('bounced');
    expect(one(bounce('Transient', { TypeCode: 1, Inactive: false })).type).toBe('deferred');
  });

  it("SpamComplaint → complained (TypeCode 512 as in Postmark's example)", () => {
    expect(one(complaint)).toMatchObject({
      id: 'SpamComplaint:42',
      type: 'complained',
      recipient: 'john@example.com',
      messageId: 'rk_abc',
    });
  });

  it('Open and Click → opened / clicked with user agent and url', () => {
    expect(one(open)).toMatchObject({
      type: 'opened',
      userAgent: 'Mozilla/5.0',
      at: new Date('2026-03-01T11:00:00Z'),
    });
    expect(one(click)).toMatchObject({
      type: 'clicked',
      url: 'https://example.com/a',
      userAgent: 'Mozilla/5.0',
    });
  });

  it('SubscriptionChange → suppressed, unsubscribed, or unknown for a reactivation', () => {
    expect(one(subscription({})).type).toBe('suppressed');
    expect(one(subscription({ SuppressionReason: 'ManualSuppression' })).type).toBe('unsubscribed');
    expect(
      one(subscription({ SuppressionReason: 'ManualSuppression', Origin: 'Customer' })).type,
    ).toBe('suppressed');
    expect(one(subscription({ SuppressSending: false })).type).toBe('unknown');
  });

  it('records without a relaykit id still carry the provider message id (the ledger maps it)', () => {
    const e = one({ ...delivery, Metadata: {} });
    expect(e.messageId).toBeUndefined();
    expect(e.providerMessageId).toBe(delivery.MessageID);
    expect(e.tags).toEqual(['receipt']);
  });

  it('ignores unknown record types', () => {
    expect(
      parsePostmarkWebhook({ body: JSON.stringify({ RecordType: 'SomethingElse' }) }, settings),
    ).toEqual({
      events: [],
    });
  });

  it('reports inbound mail posted to the tracking hook as misrouted, with or without RecordType', () => {
    // The inbound webhook's payload (postmarkapp.com/developer/webhooks/inbound-webhook), abridged.
    const inbound = {
      FromName: 'Postmarkapp Support',
      MessageStream: 'inbound',
      From: 'support@postmarkapp.com',
      FromFull: { Email: 'support@postmarkapp.com', Name: 'Postmarkapp Support', MailboxHash: '' },
      To: '"Firstname Lastname" <yourhash+SampleHash@inbound.postmarkapp.com>',
      ToFull: [
        {
          Email: 'yourhash+SampleHash@inbound.postmarkapp.com',
          Name: 'Firstname Lastname',
          MailboxHash: 'SampleHash',
        },
      ],
      OriginalRecipient: 'yourhash+SampleHash@inbound.postmarkapp.com',
      Subject: 'Test subject',
      MessageID: '73e6d360-66eb-11e1-8e72-a8904824019b',
      MailboxHash: 'SampleHash',
      Date: 'Fri, 1 Aug 2014 16:45:32 -04:00',
      TextBody: 'This is a test text body.',
      StrippedTextReply: 'This is the reply text',
      Headers: [{ Name: 'X-Spam-Status', Value: 'No' }],
      Attachments: [],
    };
    for (const payload of [
      inbound,
      { ...inbound, RecordType: 'Inbound' },
      { RecordType: 'Inbound', From: 'x@example.com' },
    ]) {
      expect(parsePostmarkWebhook({ body: JSON.stringify(payload) }, settings)).toEqual({
        events: [],
        misrouted: { what: expect.stringMatching(/inbound mail/u) },
      });
    }
  });

  it('acknowledges a record it cannot read and reports it, with its id when it has one', () => {
    for (const body of [
      '',
      'not json',
      '[]',
      '42',
      'null',
      '{}',
      JSON.stringify({ ...delivery, Recipient: 'nobody' }),
      JSON.stringify({ ...delivery, DeliveredAt: 'yesterday' }),
      JSON.stringify({ ...delivery, Recipient: undefined }),
    ]) {
      const result = parsePostmarkWebhook({ body }, settings);
      expect(result.events, body).toEqual([]);
      expect(result.unreadable, body).toEqual([
        expect.objectContaining({ reason: expect.stringMatching(/Postmark webhook/u) }),
      ]);
    }
    expect(
      parsePostmarkWebhook(
        { body: JSON.stringify(bounce('HardBounce', { Email: 'nope' })) },
        settings,
      ).unreadable,
    ).toEqual([
      { eventId: 'Bounce:4323372036854775', reason: expect.stringMatching(/recipient/u) },
    ]);
  });

  it.each(['constructor', '__proto__', 'toString'])(
    "reads a bounce Type named '%s' as an unknown bounce type, not Object's member",
    (type) => {
      const e = one(bounce(type, { Inactive: false, Details: 'smtp;550 5.7.1 refused by policy' }));
      expect(e.type).toBe('bounced');
      expect(e.bounce?.class).toBe('block');
    },
  );

  it('never crashes on arbitrary input: events or a typed error', () => {
    const check = (body: string) => {
      for (const e of unlessInvalid(() => parse(body)) ?? []) expect(typeof e.id).toBe('string');
    };
    fc.assert(fc.property(fc.string(), check), { numRuns: 300 });
    fc.assert(
      fc.property(fc.jsonValue(), (v) => check(JSON.stringify(v) ?? '')),
      { numRuns: 300 },
    );
    const records = fc.constantFrom<Record<string, unknown>>(
      delivery,
      bounce('HardBounce'),
      complaint,
      open,
      click,
      subscription({}),
    );
    fc.assert(
      fc.property(
        records,
        fc.dictionary(
          fc.constantFrom(
            'RecordType',
            'Email',
            'Recipient',
            'Type',
            'ID',
            'Metadata',
            'BouncedAt',
            'DeliveredAt',
            'ReceivedAt',
            'ChangedAt',
            'Details',
            'Inactive',
            'Tag',
            'SuppressSending',
            'From',
          ),
          fc.jsonValue(),
        ),
        (record, patch) => check(JSON.stringify({ ...record, ...patch })),
      ),
      { numRuns: 500 },
    );
  });
});

const request = (
  headers: Record<string, string>,
  body = JSON.stringify(delivery),
): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/webhooks/postmark',
  headers: new Headers(headers),
  body,
});
const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('verifyPostmarkWebhook', () => {
  const both = resolveOptions({
    serverToken: 't',
    webhook: {
      basicAuth: { username: 'pm', password: 'p:ss wörd' },
      secretHeader: { name: 'X-Hook-Secret', value: 's3cret' },
    },
  }).webhook!;
  const basicOnly = resolveOptions({
    serverToken: 't',
    webhook: { basicAuth: { username: 'pm', password: 'pw' } },
  }).webhook!;
  const headerOnly = resolveOptions({
    serverToken: 't',
    webhook: { secretHeader: { value: 's3cret' } },
  }).webhook!;
  const verify = (auth: typeof both, headers: Record<string, string>) => () =>
    verifyPostmarkWebhook(request(headers), { provider: 'postmark', auth });
  const authError = expect.objectContaining({ kind: 'auth' }) as RelayError;

  it('accepts the right credentials', () => {
    expect(verify(basicOnly, { authorization: basic('pm', 'pw') })).not.toThrow();
    expect(verify(headerOnly, { 'x-relaykit-webhook-secret': 's3cret' })).not.toThrow();
    expect(
      verify(both, { authorization: basic('pm', 'p:ss wörd'), 'x-hook-secret': 's3cret' }),
    ).not.toThrow();
  });

  it('refuses wrong or missing credentials with kind auth', () => {
    expect(verify(basicOnly, {})).toThrow(authError);
    expect(verify(basicOnly, { authorization: basic('pm', 'wrong') })).toThrow(authError);
    expect(verify(basicOnly, { authorization: basic('other', 'pw') })).toThrow(authError);
    expect(verify(basicOnly, { authorization: 'Bearer x' })).toThrow(authError);
    expect(verify(headerOnly, {})).toThrow(authError);
    expect(verify(headerOnly, { 'x-relaykit-webhook-secret': 's3cre' })).toThrow(authError);
    expect(verify(both, { authorization: basic('pm', 'p:ss wörd') })).toThrow(authError);
    expect(verify(both, { 'x-hook-secret': 's3cret' })).toThrow(authError);
  });

  it('never puts a secret in the error', () => {
    try {
      verify(both, { authorization: basic('pm', 'guess'), 'x-hook-secret': 'nope' })();
    } catch (error) {
      expect((error as Error).message).not.toMatch(/s3cret|wörd|guess|nope/u);
    }
  });

  it('compares in constant time over digests of any length', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'a'.repeat(1000))).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });

  it('the ProviderWebhook member verifies then parses', async () => {
    const hook = postmarkWebhook({ provider: 'pm-eu', auth: basicOnly });
    const context = { now: Date.now, remember: async () => true, fetch };
    await expect(
      hook.verify(request({ authorization: basic('pm', 'pw') }), context),
    ).resolves.toBeUndefined();
    await expect(hook.verify(request({}), context)).rejects.toMatchObject({
      kind: 'auth',
      provider: 'pm-eu',
    });
    const parsed = await hook.parse(request({}), context);
    expect(parsed.events[0]).toMatchObject({ provider: 'pm-eu', type: 'delivered' });
  });
});
