import { type WebhookContext, type WebhookRequest } from '@relaykit/core/adapter';
import fc from 'fast-check';
import { Resend } from 'resend';
import { relayErrorOf, unlessInvalid } from '@relaykit/core/testing';
import { describe, expect, it } from 'vitest';
import { decodeWebhookSecret } from './options.ts';
import { parseResendEvents, resendWebhook, signSvix, verifySvix } from './webhook.ts';

const secret = 'whsec_cmVzZW5kLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODlhYmM=';
const key = decodeWebhookSecret(secret);
const options = {
  provider: 'resend',
  keys: [key],
  toleranceSeconds: 300,
  skipVerification: false,
  messageIdTag: 'relaykit_message_id',
};

function request(body: string, headers: Record<string, string>): WebhookRequest {
  return {
    method: 'POST',
    url: 'http://localhost/webhooks/resend',
    headers: new Headers(headers),
    body,
  };
}

function signed(body: string, { id = 'msg_test', at = Date.now(), k = key } = {}): WebhookRequest {
  const ts = Math.floor(at / 1000);
  return request(body, {
    'svix-id': id,
    'svix-timestamp': String(ts),
    'svix-signature': signSvix(k, id, ts, body),
  });
}

const context = (now = Date.now()): WebhookContext => ({
  now: () => now,
  remember: async () => true,
  fetch,
});

const authError = (run: () => unknown) => relayErrorOf('auth', run);

// Resend's documented `email.delivered` example (https://resend.com/docs/dashboard/webhooks/event-types),
// compacted to exact bytes and signed with the Svix algorithm (https://docs.svix.com/receiving/verifying-payloads/how-manual).
const fixtureBody =
  '{"type":"email.delivered","created_at":"2024-02-22T23:41:12.126Z","data":{"created_at":"2024-02-22T23:41:11.894719+00:00","email_id":"56761188-7520-42d8-8898-ff6fc54ce618","from":"Acme <onboarding@resend.dev>","to":["delivered@resend.dev"],"subject":"Sending this example","tags":{"category":"confirm_email"}}}';
const fixtureHeaders = {
  'svix-id': 'msg_2W2D3qXLS5fOaPja1GDg7rF2CwB',
  'svix-timestamp': '1708645272',
  'svix-signature': 'v1,jdFi5rmOIWXTlKnVXm1f9/+ZsUoyXCrbChaYcwqF7Xs=',
};

describe('verifySvix', () => {
  it('reproduces Svix’s documented test vector', () => {
    const k = decodeWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signSvix(k, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('verifies the signed fixture with the clock at its time, and refuses it as stale now', () => {
    const req = request(fixtureBody, fixtureHeaders);
    expect(() => verifySvix(req, options, 1708645272_000 + 1000)).not.toThrow();
    expect(authError(() => verifySvix(req, options, Date.now())).message).toMatch(/tolerance/u);
  });

  it('agrees with the SDK’s webhooks.verify (the reference)', () => {
    const body = JSON.stringify({
      type: 'email.sent',
      created_at: new Date().toISOString(),
      data: { email_id: 'e1', to: ['a@example.com'] },
    });
    const req = signed(body, { id: 'msg_ref' });
    const sdk = new Resend('re_test').webhooks.verify({
      payload: body,
      headers: {
        id: 'msg_ref',
        timestamp: req.headers.get('svix-timestamp') as string,
        signature: req.headers.get('svix-signature') as string,
      },
      webhookSecret: secret,
    });
    expect(sdk).toMatchObject({ type: 'email.sent' });
    expect(() => verifySvix(req, options, Date.now())).not.toThrow();
  });

  it('accepts any matching v1 signature in a space-separated list, and any of several secrets', () => {
    const other = Buffer.from('another-key');
    const body = '{"type":"email.sent","data":{"to":["a@example.com"]}}';
    const ts = Math.floor(Date.now() / 1000);
    const list = `v2,abc ${signSvix(other, 'm', ts, body)} ${signSvix(key, 'm', ts, body)}`;
    expect(() =>
      verifySvix(
        request(body, { 'svix-id': 'm', 'svix-timestamp': String(ts), 'svix-signature': list }),
        options,
        Date.now(),
      ),
    ).not.toThrow();
    const rotated = signed(body, { id: 'm', k: other });
    authError(() => verifySvix(rotated, options, Date.now()));
    expect(() => verifySvix(rotated, { ...options, keys: [key, other] }, Date.now())).not.toThrow();
  });

  it('accepts the Standard Webhooks header names', () => {
    const body = '{}';
    const ts = Math.floor(Date.now() / 1000);
    expect(() =>
      verifySvix(
        request(body, {
          'webhook-id': 'w',
          'webhook-timestamp': String(ts),
          'webhook-signature': signSvix(key, 'w', ts, body),
        }),
        options,
        Date.now(),
      ),
    ).not.toThrow();
  });

  it('refuses a changed byte, a wrong secret, a stale or future timestamp, and missing headers', () => {
    const body = '{"type":"email.delivered","data":{"to":["a@example.com"]}}';
    const good = signed(body);
    authError(() => verifySvix({ ...good, body: body.replace('a@', 'b@') }, options, Date.now()));
    authError(() => verifySvix(signed(body, { k: Buffer.from('wrong') }), options, Date.now()));
    authError(() => verifySvix(signed(body, { at: Date.now() - 301_000 }), options, Date.now()));
    authError(() => verifySvix(signed(body, { at: Date.now() + 301_000 }), options, Date.now()));
    expect(() =>
      verifySvix(signed(body, { at: Date.now() - 290_000 }), options, Date.now()),
    ).not.toThrow();
    const sig = good.headers.get('svix-signature') as string;
    authError(() =>
      verifySvix(
        request(body, {
          'svix-id': 'other',
          'svix-timestamp': good.headers.get('svix-timestamp') as string,
          'svix-signature': sig,
        }),
        options,
        Date.now(),
      ),
    );
    authError(() =>
      verifySvix(
        request(body, { 'svix-id': 'msg_test', 'svix-timestamp': 'soon', 'svix-signature': sig }),
        options,
        Date.now(),
      ),
    );
    authError(() => verifySvix(request(body, {}), options, Date.now()));
    const flipped = sig.slice(0, -3) + (sig.at(-3) === 'A' ? 'B' : 'A') + sig.slice(-2);
    authError(() =>
      verifySvix(
        request(body, {
          ...Object.fromEntries(good.headers as Headers),
          'svix-signature': flipped,
        }),
        options,
        Date.now(),
      ),
    );
    expect(
      authError(() => verifySvix(signed(body, { k: Buffer.from('wrong') }), options, Date.now()))
        .message,
    ).not.toContain(secret);
  });

  it('skips verification only when told to', async () => {
    const hook = resendWebhook({ ...options, skipVerification: true });
    await expect(hook.verify(request('{}', {}), context())).resolves.toBeUndefined();
    await expect(resendWebhook(options).verify(request('{}', {}), context())).rejects.toMatchObject(
      { kind: 'auth' },
    );
  });
});

const payload = (type: string, data: Record<string, unknown>) =>
  JSON.stringify({
    type,
    created_at: '2024-11-22T23:41:12.126Z',
    data: {
      created_at: '2024-11-22T23:41:11.894719+00:00',
      email_id: 'em_1',
      from: 'Acme <onboarding@example.com>',
      to: ['rcpt@example.org'],
      subject: 'x',
      ...data,
    },
  });

const parse = (body: string, id = 'msg_1') =>
  parseResendEvents(signed(body, { id }), options, Date.now());

describe('parseResendEvents', () => {
  it('maps email.delivered with the message id, tags and metadata from Resend tags', () => {
    const [event, ...rest] = parse(
      payload('email.delivered', {
        tags: {
          relaykit_message_id: 'rk_1',
          relaykit_stream: 'transactional',
          welcome: 'welcome',
          plan: 'pro',
        },
      }),
    );
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      id: 'msg_1:rcpt@example.org',
      type: 'delivered',
      provider: 'resend',
      messageId: 'rk_1',
      providerMessageId: 'em_1',
      recipient: 'rcpt@example.org',
      from: 'onboarding@example.com',
      stream: 'transactional',
      tags: ['welcome'],
      metadata: { plan: 'pro' },
      at: new Date('2024-11-22T23:41:12.126Z'),
    });
    expect(event?.raw).toMatchObject({ type: 'email.delivered' });
  });

  it('decodes an encoded message id and accepts tags as a list', () => {
    const [event] = parse(
      payload('email.sent', {
        tags: [
          {
            name: 'relaykit_message_id',
            value: `rk64_${Buffer.from('order:1.2').toString('base64url')}`,
          },
        ],
      }),
    );
    expect(event).toMatchObject({ type: 'accepted', messageId: 'order:1.2' });
  });

  it('reports an event for every address in data.to, with ids svix-id:recipient', () => {
    const events = parse(
      payload('email.delivered', { to: ['A@Example.org', 'b@example.org', 'A@example.org'] }),
      'msg_x',
    );
    expect(events.map((e) => e.id)).toEqual(['msg_x:A@example.org', 'msg_x:b@example.org']);
    expect(parse(payload('email.delivered', { to: ['A@Example.org'] }), 'msg_x')[0]?.id).toBe(
      events[0]?.id,
    );
  });

  it('classifies a permanent bounce with its SMTP reply', () => {
    const [event] = parse(
      payload('email.bounced', {
        bounce: {
          diagnosticCode: ['smtp; 550 5.1.1 user unknown'],
          message: 'hard bounce',
          subType: 'General',
          type: 'Permanent',
        },
      }),
    );
    expect(event).toMatchObject({
      type: 'bounced',
      bounce: {
        class: 'hard',
        smtpStatus: 550,
        enhancedStatus: '5.1.1',
        diagnostic: '550 5.1.1 user unknown',
      },
    });
  });

  it('classifies transient and undetermined bounces', () => {
    expect(
      parse(
        payload('email.bounced', {
          bounce: { type: 'Transient', subType: 'MailboxFull', message: 'full' },
        }),
      )[0]?.bounce,
    ).toMatchObject({ class: 'soft', diagnostic: 'full' });
    expect(
      parse(
        payload('email.bounced', {
          bounce: { type: 'Undetermined', subType: 'Undetermined', message: 'unknown' },
        }),
      )[0]?.bounce,
    ).toMatchObject({ class: 'undetermined' });
    expect(
      parse(
        payload('email.bounced', {
          bounce: { type: 'Permanent', subType: 'General', message: 'x' },
        }),
      )[0]?.bounce?.class,
    ).toBe('hard');
  });

  it('reads a bounce that is really a suppression as suppressed', () => {
    expect(
      parse(
        payload('email.bounced', {
          bounce: { type: 'Permanent', subType: 'Suppressed', message: 'on the suppression list' },
        }),
      )[0],
    ).toMatchObject({
      type: 'suppressed',
      bounce: { class: 'hard', category: 'suppressed' },
    });
    expect(
      parse(
        payload('email.bounced', {
          bounce: {
            message:
              'Resend has suppressed sending to this address because it is on the account-level suppression list',
          },
        }),
      )[0]?.type,
    ).toBe('suppressed');
  });

  it('maps delayed, complained, opened, clicked, failed, suppressed and scheduled', () => {
    expect(parse(payload('email.delivery_delayed', {}))[0]).toMatchObject({
      type: 'deferred',
      bounce: { class: 'soft' },
    });
    expect(parse(payload('email.complained', {}))[0]?.type).toBe('complained');
    expect(parse(payload('email.opened', {}))[0]?.type).toBe('opened');
    expect(
      parse(
        payload('email.clicked', {
          click: {
            ipAddress: '1.2.3.4',
            link: 'https://example.com/x',
            timestamp: '2024-11-24T05:00:57.163Z',
            userAgent: 'UA/1',
          },
        }),
      )[0],
    ).toMatchObject({
      type: 'clicked',
      url: 'https://example.com/x',
      userAgent: 'UA/1',
    });
    expect(
      parse(payload('email.failed', { failed: { reason: 'reached_daily_quota' } }))[0],
    ).toMatchObject({
      type: 'rejected',
      bounce: { class: 'undetermined', diagnostic: 'reached_daily_quota' },
    });
    expect(
      parse(
        payload('email.suppressed', {
          suppressed: {
            type: 'OnAccountSuppressionList',
            reason: 'previous_bounce',
            message: 'm',
            diagnosticCode: ['550 5.1.1 Recipient address is on the suppression list.'],
          },
        }),
      )[0],
    ).toMatchObject({
      type: 'suppressed',
      bounce: { class: 'hard', category: 'suppressed', enhancedStatus: '5.1.1' },
    });
    expect(parse(payload('email.scheduled', {}))[0]?.type).toBe('accepted');
    expect(parse(payload('email.something_new', {}))[0]?.type).toBe('unknown');
  });

  it('ignores non-email events', () => {
    expect(
      parse(JSON.stringify({ type: 'contact.created', created_at: 'x', data: { id: 'c' } })),
    ).toEqual([]);
  });

  it('refuses unreadable bodies with a typed error', () => {
    for (const body of [
      '',
      'not json',
      '[]',
      'null',
      '{"type":"email.sent"}',
      '{"type":"email.sent","data":{"to":["nope"]}}',
      '{"type":5,"data":{}}',
    ]) {
      expect(() => parse(body)).toThrow(expect.objectContaining({ kind: 'invalid' }));
    }
  });

  it('never crashes on arbitrary JSON or strings (fuzz)', () => {
    const check = (body: string) => {
      for (const e of unlessInvalid(() => parse(body)) ?? [])
        expect(typeof e.recipient).toBe('string');
    };
    fc.assert(fc.property(fc.string(), check), { numRuns: 300 });
    fc.assert(
      fc.property(fc.jsonValue(), (v) => check(JSON.stringify(v))),
      { numRuns: 300 },
    );
    const data = fc.record(
      {
        to: fc.oneof(
          fc.array(fc.oneof(fc.emailAddress(), fc.string())),
          fc.string(),
          fc.jsonValue(),
        ),
        tags: fc.oneof(
          fc.dictionary(fc.string(), fc.jsonValue()),
          fc.array(fc.record({ name: fc.jsonValue(), value: fc.jsonValue() })),
          fc.jsonValue(),
        ),
        bounce: fc.oneof(
          fc.record({
            type: fc.jsonValue(),
            subType: fc.jsonValue(),
            message: fc.jsonValue(),
            diagnosticCode: fc.jsonValue(),
          }),
          fc.jsonValue(),
        ),
        click: fc.jsonValue(),
        email_id: fc.jsonValue(),
        from: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const type = fc.constantFrom(
      'email.sent',
      'email.delivered',
      'email.bounced',
      'email.clicked',
      'email.failed',
      'email.suppressed',
      'email.x',
      'contact.created',
    );
    fc.assert(
      fc.property(type, data, fc.jsonValue(), (t, d, at) =>
        check(JSON.stringify({ type: t, created_at: at, data: d })),
      ),
      { numRuns: 500 },
    );
  });

  it('does not let a __proto__ tag reach the prototype', () => {
    const [event] = parse(
      '{"type":"email.sent","data":{"to":["a@example.com"],"tags":{"__proto__":"x","constructor":"y"}}}',
    );
    expect(Object.getPrototypeOf(event?.metadata)).toBe(Object.prototype);
    expect(event?.metadata).toEqual({ constructor: 'y' });
  });
});

describe('parseResendEvents: a bounce is charged only to the recipient it concerns', () => {
  const to = ['alice@example.org', 'Bob@Example.org', 'carol@example.net'];

  it('charges the address the DSN names, not every address in data.to', () => {
    const events = parse(
      payload('email.bounced', {
        to,
        bounce: {
          diagnosticCode: [
            'smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown',
          ],
          message: "The recipient's email address doesn't exist.",
          subType: 'General',
          type: 'Permanent',
        },
      }),
      'msg_b',
    );
    expect(events.map((e) => [e.id, e.recipient, e.bounce?.class])).toEqual([
      ['msg_b:Bob@example.org', 'Bob@example.org', 'hard'],
    ]);
  });

  it('charges the only recipient of a one-recipient message', () => {
    const [event, ...rest] = parse(
      payload('email.complained', { to: ['solo@example.org'] }),
      'msg_s',
    );
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ type: 'complained', recipient: 'solo@example.org' });
    expect(event?.bounce).toBeUndefined();
  });

  it('when it cannot tell which, records the event for each recipient as unattributed', () => {
    for (const [type, data] of [
      ['email.complained', {}],
      [
        'email.bounced',
        { bounce: { type: 'Permanent', subType: 'General', message: 'hard bounce' } },
      ],
      [
        'email.suppressed',
        { suppressed: { type: 'OnAccountSuppressionList', message: 'on the list' } },
      ],
      // The DSN names an address that is not among the recipients (a Bcc, a forward).
      [
        'email.bounced',
        { bounce: { type: 'Permanent', diagnosticCode: ['smtp; 550 5.1.1 <zed@example.com>'] } },
      ],
    ] as const) {
      const events = parse(payload(type, { to, ...data }));
      expect(events.map((e) => e.recipient)).toEqual([
        'alice@example.org',
        'Bob@example.org',
        'carol@example.net',
      ]);
      for (const e of events)
        expect(e.bounce).toMatchObject({ class: 'undetermined', category: 'unattributed' });
    }
  });

  it('does not take the From address for the bounced one', () => {
    const events = parse(
      payload('email.bounced', {
        to: ['a@example.org', 'b@example.org'],
        bounce: {
          type: 'Permanent',
          diagnosticCode: [
            'smtp; 550 5.1.1 message from onboarding@example.com refused: user unknown',
          ],
        },
      }),
    );
    expect(events.map((e) => e.bounce?.category)).toEqual(['unattributed', 'unattributed']);
  });

  it('deliveries, opens and clicks still name every recipient', () => {
    expect(parse(payload('email.delivered', { to })).map((e) => e.recipient)).toHaveLength(3);
  });

  it.each(['constructor', '__proto__', 'toString'])(
    'maps email.%s (named like an Object member) to unknown',
    (name) => {
      expect(parse(payload(name, {}))).toEqual([]);
      expect(parse(payload(`email.${name}`, {}))[0]?.type).toBe('unknown');
    },
  );
});

describe('resendWebhook: what it cannot read is acknowledged and reported', () => {
  it('reports inbound mail (email.received) as misrouted', async () => {
    const webhook = resendWebhook(options);
    const req = signed(
      payload('email.received', { to: ['support@example.com'], email_id: 'in_1' }),
      { id: 'msg_in' },
    );
    await webhook.verify(req, context());
    expect(await webhook.parse(req, context())).toEqual({
      events: [],
      misrouted: { what: expect.stringMatching(/inbound mail \(Resend 'email.received'\)/u) },
    });
  });

  it('acknowledges a verified body it cannot read, with the svix-id and the reason', async () => {
    const webhook = resendWebhook(options);
    for (const body of ['not json', '{"type":"email.sent","data":{"to":["nope"]}}', '[]']) {
      const req = signed(body, { id: 'msg_bad' });
      await webhook.verify(req, context());
      expect(await webhook.parse(req, context())).toEqual({
        events: [],
        unreadable: [{ eventId: 'msg_bad', reason: expect.any(String) }],
      });
    }
  });
});
