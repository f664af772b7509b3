import { readFileSync } from 'node:fs';
import { RelayError } from '@relaykit/core';
import { type WebhookContext, type WebhookRequest } from '@relaykit/core/adapter';
import fc from 'fast-check';
import { unlessInvalid } from '@relaykit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  mailgunWebhook,
  parseMailgunEvents,
  signMailgun,
  verifyMailgunSignature,
  type MailgunWebhookOptions,
} from './webhook.ts';

/**
 * Mailgun's documented event samples (delivered, failed permanent and temporary, complained: the
 * `api-events.rst` samples and https://documentation.mailgun.com/docs/mailgun/user-manual/events/webhooks),
 * with a signature block added: HMAC-SHA256 hex of timestamp+token under this key, as
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks describes.
 */
const fixtures = JSON.parse(
  readFileSync(new URL('./testdata/documented-payloads.json', import.meta.url), 'utf8'),
) as Record<string, Payload>;
const key = 'test-webhook-signing-key';

interface Payload {
  signature: { timestamp: string; token: string; signature: string };
  'event-data': Record<string, unknown>;
}

const options: MailgunWebhookOptions = {
  provider: 'mailgun',
  keys: [key],
  toleranceSeconds: 300,
  skipVerification: false,
  messageIdVariable: 'relaykit-message-id',
};

const request = (body: string): WebhookRequest => ({
  method: 'POST',
  url: 'http://localhost/webhooks/mailgun',
  headers: new Headers({ 'content-type': 'application/json' }),
  body,
});

function memoryContext(nowSeconds: number): WebhookContext & { keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    now: () => nowSeconds * 1000,
    remember: async (k) => (keys.has(k) ? false : (keys.add(k), true)),
    fetch,
  };
}

/** A fresh payload signed now, with the given event data. */
function signed(
  eventData: Record<string, unknown>,
  at = 1_700_000_000,
  token = 'f'.repeat(50),
): Payload {
  const timestamp = String(at);
  return {
    signature: { timestamp, token, signature: signMailgun(key, timestamp, token) },
    'event-data': eventData,
  };
}

const fixture = (name: string): Payload => fixtures[name] as Payload;

describe('verifyMailgunSignature', () => {
  it('accepts the documented fixtures (real HMACs) at their own time', () => {
    for (const payload of Object.values(fixtures)) {
      expect(() =>
        verifyMailgunSignature(
          payload.signature,
          options,
          Number(payload.signature.timestamp) * 1000,
        ),
      ).not.toThrow();
    }
  });

  it('refuses a changed byte of the token, the timestamp or the signature', () => {
    const { signature } = fixture('delivered');
    const now = Number(signature.timestamp) * 1000;
    const flip = (s: string) => (s.startsWith('a') ? `b${s.slice(1)}` : `a${s.slice(1)}`);
    for (const changed of [
      { ...signature, token: flip(signature.token) },
      { ...signature, signature: flip(signature.signature) },
      { ...signature, timestamp: String(Number(signature.timestamp) + 1) },
    ]) {
      expect(() => verifyMailgunSignature(changed, options, now)).toThrow(
        expect.objectContaining({ kind: 'auth' }),
      );
    }
  });

  it('refuses a stale or future timestamp beyond the tolerance, either way', () => {
    const { signature } = fixture('delivered');
    const at = Number(signature.timestamp) * 1000;
    expect(() => verifyMailgunSignature(signature, options, at + 301_000)).toThrow(
      /stale or replayed/u,
    );
    expect(() => verifyMailgunSignature(signature, options, at - 301_000)).toThrow(
      /stale or replayed/u,
    );
    expect(() => verifyMailgunSignature(signature, options, at + 299_000)).not.toThrow();
  });

  it('accepts any of several keys (rotation) and refuses the API key', () => {
    const { signature } = fixture('delivered');
    const now = Number(signature.timestamp) * 1000;
    expect(() =>
      verifyMailgunSignature(signature, { ...options, keys: ['old-key', key] }, now),
    ).not.toThrow();
    expect(() =>
      verifyMailgunSignature(
        signature,
        { ...options, keys: ['key-3ax6xnjp29jd6fds4gc373sgvjxteol0'] },
        now,
      ),
    ).toThrow(/not the API key/u);
  });

  it('never names the key in its error', () => {
    const { signature } = fixture('delivered');
    try {
      verifyMailgunSignature(
        { ...signature, signature: '0'.repeat(64) },
        options,
        Number(signature.timestamp) * 1000,
      );
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(key);
    }
  });
});

describe('parseMailgunEvents', () => {
  it('maps delivered, with tags, metadata and the bare Mailgun message id', () => {
    const [event] = parseMailgunEvents(fixture('delivered'), options);
    expect(event).toMatchObject({
      id: 'delivered:hK7mQVt1QtqRiOfQXta4sw',
      type: 'delivered',
      provider: 'mailgun',
      recipient: 'john@example.com',
      providerMessageId: '20180622182958.1.48906CB188F1A454@example.org',
      from: 'sender@example.org',
      tags: ['welcome'],
      metadata: { 'app-message-id': 'msg_123' },
    });
    expect(event?.at.toISOString()).toBe('2018-06-22T18:29:59.626Z');
    expect(event?.messageId).toBeUndefined();
    expect(event?.bounce).toBeUndefined();
  });

  it('maps a permanent suppress-bounce to suppressed (hard, category suppressed), 605 is not an SMTP code', () => {
    const [event] = parseMailgunEvents(fixture('failed-permanent-suppress'), options);
    expect(event).toMatchObject({
      type: 'suppressed',
      recipient: 'joan@example.com',
      bounce: { class: 'hard', category: 'suppressed' },
    });
    expect(event?.bounce?.smtpStatus).toBeUndefined();
    expect(event?.bounce?.diagnostic).toBe('Not delivering to previously bounced address');
  });

  it('maps a temporary failure to deferred with the SMTP reply', () => {
    const [event] = parseMailgunEvents(fixture('failed-temporary'), options);
    expect(event).toMatchObject({
      type: 'deferred',
      bounce: { smtpStatus: 451, enhancedStatus: '4.7.652' },
    });
    // "has exceeded the maximum number of connections": the sender must slow down (a block, no strike).
    expect(event?.bounce).toMatchObject({ class: 'block', category: 'rate-limit' });
  });

  it('maps complained', () => {
    const [event] = parseMailgunEvents(fixture('complained'), options);
    expect(event).toMatchObject({
      type: 'complained',
      recipient: 'foo@example.com',
      from: 'sender@example.com',
    });
  });

  it.each([
    ['bounce', 550, '5.1.1', 'bounced', 'hard'],
    ['suppress-complaint', 607, undefined, 'suppressed', 'hard'],
    ['suppress-unsubscribe', 606, undefined, 'suppressed', 'hard'],
    ['old', 452, '4.2.2', 'bounced', 'soft'],
    ['generic', 550, '5.7.1', 'bounced', 'block'],
    ['espblock', undefined, undefined, 'bounced', undefined],
  ] as const)('maps failed/permanent reason %s', (reason, code, enhanced, type, cls) => {
    const status: Record<string, unknown> = {
      message: enhanced ? `${enhanced} something` : '',
      'attempt-no': 1,
    };
    if (code !== undefined) status['code'] = code;
    const [event] = parseMailgunEvents(
      signed({
        event: 'failed',
        id: `x-${reason}`,
        timestamp: 1_700_000_000.5,
        severity: 'permanent',
        reason,
        recipient: 'Someone@Example.COM',
        'delivery-status': status,
      }),
      options,
    );
    expect(event?.type).toBe(type);
    expect(event?.recipient).toBe('Someone@example.com');
    if (cls !== undefined) expect(event?.bounce?.class).toBe(cls);
    if (code !== undefined && code < 600) expect(event?.bounce?.smtpStatus).toBe(code);
  });

  it('maps opened and clicked with url and user agent; unknown event names to unknown', () => {
    const base = {
      id: 'o1',
      timestamp: 1_700_000_000,
      recipient: 'a@example.com',
      'client-info': { 'user-agent': 'Mozilla/5.0' },
    };
    expect(parseMailgunEvents(signed({ ...base, event: 'opened' }), options)[0]).toMatchObject({
      type: 'opened',
      userAgent: 'Mozilla/5.0',
    });
    expect(
      parseMailgunEvents(
        signed({ ...base, event: 'clicked', url: 'https://example.com/x' }),
        options,
      )[0],
    ).toMatchObject({ type: 'clicked', url: 'https://example.com/x' });
    expect(parseMailgunEvents(signed({ ...base, event: 'unsubscribed' }), options)[0]?.type).toBe(
      'unsubscribed',
    );
    expect(parseMailgunEvents(signed({ ...base, event: 'accepted' }), options)[0]?.type).toBe(
      'accepted',
    );
    expect(
      parseMailgunEvents(signed({ ...base, event: 'list_member_uploaded' }), options)[0]?.type,
    ).toBe('unknown');
    expect(parseMailgunEvents(signed({ event: 'stored', id: 's', timestamp: 1 }), options)).toEqual(
      [],
    );
  });

  it('maps rejected with the reason Mailgun gives', () => {
    const [event] = parseMailgunEvents(
      signed({
        event: 'rejected',
        id: 'r1',
        timestamp: 1_700_000_000,
        recipient: 'a@example.com',
        reject: { reason: 'Sandbox subdomains are for test purposes only' },
      }),
      options,
    );
    expect(event).toMatchObject({
      type: 'rejected',
      bounce: { diagnostic: 'Sandbox subdomains are for test purposes only' },
    });
  });

  it('reads relaykit variables: message id, stream, all tags; hides them from metadata', () => {
    const [event] = parseMailgunEvents(
      signed({
        event: 'delivered',
        id: 'v1',
        timestamp: 1_700_000_000,
        recipient: 'a@example.com',
        tags: ['a', 'b', 'c'],
        message: { headers: { 'message-id': '<20240101.1@mg.example.com>' } },
        'user-variables': {
          'relaykit-message-id': 'msg_1',
          'relaykit-stream': 'outreach',
          'relaykit-tags': '["A","b","c","d"]',
          order: '42',
          n: 7,
        },
      }),
      options,
    );
    expect(event).toMatchObject({
      messageId: 'msg_1',
      stream: 'outreach',
      providerMessageId: '20240101.1@mg.example.com',
      metadata: { order: '42', n: '7' },
    });
    expect(event?.tags).toEqual(['a', 'b', 'c', 'd']);
  });

  it('gives batch members their own providerMessageId and ignores an unresolved placeholder', () => {
    const [event] = parseMailgunEvents(
      signed({
        event: 'delivered',
        id: 'b1',
        timestamp: 1_700_000_000,
        recipient: 'b@example.com',
        message: { headers: { 'message-id': '20240101.1@mg.example.com' } },
        'user-variables': {
          'relaykit-message-id': '%recipient.relaykit_message_id%',
          'relaykit-batch': '1',
        },
      }),
      options,
    );
    expect(event?.messageId).toBeUndefined();
    expect(event?.providerMessageId).toBe('20240101.1@mg.example.com/b@example.com');
  });

  it('refuses bodies it cannot read with kind invalid', () => {
    expect(() => parseMailgunEvents({}, options)).toThrow(
      expect.objectContaining({ kind: 'invalid' }),
    );
    expect(() => parseMailgunEvents({ 'event-data': { id: 'x' } }, options)).toThrow(
      /event is missing/u,
    );
    expect(() =>
      parseMailgunEvents({ 'event-data': { event: 'delivered', id: 'x', timestamp: 1 } }, options),
    ).toThrow(/recipient/u);
    expect(() =>
      parseMailgunEvents(
        { 'event-data': { event: 'delivered', id: 'x', recipient: 'a@example.com' } },
        options,
      ),
    ).toThrow(/timestamp/u);
  });

  it('never crashes on arbitrary JSON: events or a RelayError of kind invalid', () => {
    const eventData = fc.record(
      {
        event: fc.oneof(
          fc.constantFrom('delivered', 'failed', 'opened', 'clicked', 'complained', 'stored'),
          fc.string(),
          fc.integer(),
        ),
        id: fc.oneof(fc.string(), fc.integer()),
        timestamp: fc.oneof(fc.double(), fc.string(), fc.constant(1_700_000_000)),
        recipient: fc.oneof(fc.emailAddress(), fc.string(), fc.constant(null)),
        severity: fc.oneof(fc.constantFrom('permanent', 'temporary'), fc.anything()),
        reason: fc.anything(),
        'delivery-status': fc.oneof(
          fc.record({
            code: fc.oneof(fc.integer(), fc.string()),
            message: fc.anything(),
            'enhanced-code': fc.anything(),
          }),
          fc.anything(),
        ),
        tags: fc.anything(),
        'user-variables': fc.oneof(fc.dictionary(fc.string(), fc.anything()), fc.anything()),
        message: fc.anything(),
        envelope: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.anything(),
      fc.record({ signature: fc.anything(), 'event-data': eventData }),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(body, (value) => {
        for (const e of unlessInvalid(() => parseMailgunEvents(value, options)) ?? []) {
          expect(typeof e.id).toBe('string');
          expect(e.recipient).toContain('@');
          expect(Number.isNaN(e.at.getTime())).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseMailgunEvents: hostile and odd payloads', () => {
  const base = { id: 'e1', timestamp: 1_700_000_000, recipient: 'a@example.com' };

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    "maps an event named '%s' to unknown",
    (name) => {
      const [event] = parseMailgunEvents(signed({ ...base, event: name }), options);
      expect(event?.type).toBe('unknown');
    },
  );

  it('reads a rejected event without recipient from message.headers.to, one event per address', () => {
    const events = parseMailgunEvents(
      signed({
        event: 'rejected',
        id: 'rj1',
        timestamp: 1_700_000_000,
        reject: { reason: 'Sandbox subdomains are for test purposes only' },
        message: {
          headers: {
            to: '"Doe, Jane" <Jane@Example.com>, undisclosed-recipients:;, bob@example.org',
            'message-id': 'x@mg.example.com',
          },
        },
      }),
      options,
    );
    expect(events.map((e) => [e.type, e.recipient, e.id])).toEqual([
      ['rejected', 'Jane@example.com', 'rejected:rj1:Jane@example.com'],
      ['rejected', 'bob@example.org', 'rejected:rj1:bob@example.org'],
    ]);
    const [single] = parseMailgunEvents(
      signed({
        event: 'rejected',
        id: 'rj2',
        timestamp: 1_700_000_000,
        reject: { reason: 'x' },
        message: { headers: { to: 'solo@example.com' } },
      }),
      options,
    );
    expect(single).toMatchObject({ id: 'rejected:rj2', recipient: 'solo@example.com' });
  });

  it('says a diagnostic Mailgun repeats in message and description once', () => {
    const text = '550 5.1.1 The email account that you tried to reach does not exist';
    const [event] = parseMailgunEvents(
      signed({
        ...base,
        event: 'failed',
        severity: 'permanent',
        reason: 'bounce',
        'delivery-status': { code: 550, message: text, description: text },
      }),
      options,
    );
    expect(event?.bounce?.diagnostic).toBe(text);
    const [rejected] = parseMailgunEvents(
      signed({
        ...base,
        event: 'rejected',
        reject: { reason: 'Domain is disabled', description: 'Domain is disabled' },
      }),
      options,
    );
    expect(rejected?.bounce?.diagnostic).toBe('Domain is disabled');
  });
});

describe('mailgunWebhook: what it cannot read is acknowledged and reported', () => {
  const now = 1_700_000_000;
  const signedBody = (eventData: string, token = 't'.repeat(50)) => {
    const timestamp = String(now);
    const signature = JSON.stringify({
      timestamp,
      token,
      signature: signMailgun(key, timestamp, token),
    });
    return `{"signature":${signature},"event-data":${eventData}}`;
  };

  it('records a bounce whose user-variables are nested too deep, without them, and reports it', async () => {
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const body = signedBody(
      `{"event":"failed","severity":"permanent","reason":"bounce","id":"deep1","timestamp":${now},` +
        `"recipient":"a@example.com","delivery-status":{"code":550,"message":"5.1.1 no such user"},` +
        `"user-variables":{"order":"42","poison":${deep}}}`,
    );
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    await webhook.verify(request(body), context);
    const result = await webhook.parse(request(body), context);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      type: 'bounced',
      recipient: 'a@example.com',
      metadata: { order: '42' },
      bounce: { class: 'hard' },
    });
    expect(result.unreadable).toEqual([
      { eventId: 'deep1', reason: expect.stringMatching(/'poison'.*nested too deep/u) },
    ]);
  });

  it('acknowledges a signed event it cannot understand with its event id and the reason', async () => {
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    const body = signedBody(`{"event":"delivered","id":"nr1","timestamp":${now}}`);
    await webhook.verify(request(body), context);
    expect(await webhook.parse(request(body), context)).toEqual({
      events: [],
      unreadable: [{ eventId: 'nr1', reason: expect.stringMatching(/recipient/u) }],
    });
  });

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    url: 'http://localhost/webhooks/mailgun',
    headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
    body: new URLSearchParams(fields).toString(),
  });
  const signedFields = (token: string) => ({
    timestamp: String(now),
    token,
    signature: signMailgun(key, String(now), token),
  });

  it('reports a signed inbound route post or legacy webhook as misrouted', async () => {
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    const inbound = form({
      ...signedFields('i'.repeat(50)),
      recipient: 'support@mg.example.com',
      sender: 'someone@example.org',
      'body-plain': 'Hello',
    });
    await webhook.verify(inbound, context);
    expect(await webhook.parse(inbound, context)).toEqual({
      events: [],
      misrouted: { what: expect.stringMatching(/inbound message forwarded by a Mailgun route/u) },
    });
    const legacy = form({
      ...signedFields('l'.repeat(50)),
      event: 'bounced',
      recipient: 'a@x.com',
    });
    await webhook.verify(legacy, context);
    expect((await webhook.parse(legacy, context)).misrouted?.what).toMatch(
      /legacy form-encoded Mailgun webhook \('bounced'\)/u,
    );
    const multipart = new FormData();
    for (const [name, value] of Object.entries({
      ...signedFields('m'.repeat(50)),
      'body-plain': 'x',
    }))
      multipart.append(name, value);
    const encoded = new Response(multipart);
    const mp = {
      method: 'POST',
      url: 'http://localhost/webhooks/mailgun',
      headers: new Headers({ 'content-type': encoded.headers.get('content-type') ?? '' }),
      body: await encoded.text(),
    };
    await webhook.verify(mp, context);
    expect((await webhook.parse(mp, context)).misrouted?.what).toMatch(/Mailgun route/u);
  });

  it('refuses an unsigned or badly signed form post', async () => {
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    await expect(
      webhook.verify(form({ recipient: 'a@x.com', 'body-plain': 'x' }), context),
    ).rejects.toMatchObject({ kind: 'auth' });
    await expect(
      webhook.verify(form({ ...signedFields('b'.repeat(50)), signature: '0'.repeat(64) }), context),
    ).rejects.toMatchObject({ kind: 'auth' });
    expect(context.keys.size).toBe(0);
  });
});

describe('mailgunWebhook', () => {
  const payload = fixture('delivered');
  const now = Number(payload.signature.timestamp);

  it('verifies and parses; the same bytes again pass with the same event ids (the relay dedupes them)', async () => {
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    const first = request(JSON.stringify(payload));
    await webhook.verify(first, context);
    const once = (await webhook.parse(first, context)).events;
    expect(once).toHaveLength(1);
    const again = request(JSON.stringify(payload));
    await webhook.verify(again, context);
    expect((await webhook.parse(again, context)).events.map((e) => e.id)).toEqual(
      once.map((e) => e.id),
    );
  });

  it('refuses the same signature block on other bytes (the body is not signed)', async () => {
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    await webhook.verify(request(JSON.stringify(payload)), context);
    const forged = request(
      JSON.stringify({
        ...payload,
        'event-data': { ...payload['event-data'], recipient: 'x@example.com' },
      }),
    );
    await expect(webhook.verify(forged, context)).rejects.toMatchObject({
      kind: 'auth',
      message: expect.stringMatching(/already used/u),
    });
  });

  it('refuses a forged body on a captured signature block every time it is sent, not only the first', async () => {
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    await webhook.verify(request(JSON.stringify(payload)), context);
    const forged = JSON.stringify({
      ...payload,
      'event-data': {
        ...payload['event-data'],
        event: 'complained',
        recipient: 'victim@example.com',
      },
    });
    for (let attempt = 0; attempt < 3; attempt++)
      await expect(webhook.verify(request(forged), context)).rejects.toMatchObject({
        kind: 'auth',
      });
    // The genuine bytes are still honoured once more (a redelivery), then refused.
    await webhook.verify(request(JSON.stringify(payload)), context);
    await expect(webhook.verify(request(JSON.stringify(payload)), context)).rejects.toMatchObject({
      kind: 'auth',
    });
  });

  it('a request with a bad signature never touches the token store', async () => {
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    const bad = { ...payload, signature: { ...payload.signature, signature: '0'.repeat(64) } };
    await expect(webhook.verify(request(JSON.stringify(bad)), context)).rejects.toMatchObject({
      kind: 'auth',
    });
    expect(context.keys.size).toBe(0);
    // The genuine delivery that follows is accepted.
    await webhook.verify(request(JSON.stringify(payload)), context);
  });

  it('uses a pluggable replay store when given', async () => {
    const seen: string[] = [];
    const webhook = mailgunWebhook({
      ...options,
      replayStore: { remember: async (k) => (seen.includes(k) ? false : (seen.push(k), true)) },
    });
    const context = memoryContext(now);
    await webhook.verify(request(JSON.stringify(payload)), context);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(`mailgun:mailgun:token:${payload.signature.token}`);
    expect(context.keys.size).toBe(0);
  });

  it('refuses a request without a signature block, and a body that is not JSON', async () => {
    const webhook = mailgunWebhook(options);
    const context = memoryContext(now);
    await expect(
      webhook.verify(request(JSON.stringify({ 'event-data': payload['event-data'] })), context),
    ).rejects.toMatchObject({ kind: 'auth' });
    await expect(webhook.verify(request('token=x&signature=y'), context)).rejects.toMatchObject({
      kind: 'invalid',
    });
    // Parse is only reached by a verified request: what it cannot read is acknowledged and reported.
    expect(await webhook.parse(request('{"event-data":'), context)).toMatchObject({
      events: [],
      unreadable: [{ reason: expect.stringMatching(/not JSON/u) }],
    });
  });

  it('never crashes on arbitrary request bodies: verify and parse give events or a typed error', async () => {
    const signedBody = fc
      .tuple(fc.anything(), fc.string({ minLength: 1, maxLength: 60 }))
      .map(([eventData, token]) =>
        JSON.stringify({ ...signed({}, now, token), 'event-data': eventData }),
      );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), signedBody), async (body) => {
        const webhook = mailgunWebhook(options);
        const context = memoryContext(now);
        const req = request(body);
        try {
          await webhook.verify(req, context);
          const { events } = await webhook.parse(req, context);
          expect(Array.isArray(events)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(RelayError);
          expect(['auth', 'invalid']).toContain((error as RelayError).kind);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads a signature block and event-data as their schemas do, however the fields are shaped', async () => {
    const webhook = mailgunWebhook(options);
    const verifyWith = (block: unknown) =>
      webhook.verify(
        request(JSON.stringify({ signature: block, 'event-data': payload['event-data'] })),
        memoryContext(now),
      );
    const token = 'a'.repeat(50);
    const good = signed({}, now, token).signature;
    // A numeric timestamp is read as its decimal text; the signature is over that text.
    await verifyWith({ ...good, timestamp: now });
    for (const block of [
      { ...good, timestamp: null },
      { ...good, token: '' },
      { ...good, token: 'a'.repeat(1001) },
      { ...good, signature: 7 },
      [good.timestamp, good.token, good.signature],
    ])
      await expect(verifyWith(block)).rejects.toMatchObject({
        kind: 'auth',
        message: expect.stringMatching(/no Mailgun signature block/u),
      });
    // A token at the bound is a block (whose signature is then checked).
    const long = signed({}, now, 'b'.repeat(1000)).signature;
    await verifyWith(long);
    // An own __proto__ key of event-data is not carried into the event's raw payload.
    const body = `{"event-data":{"__proto__":{"polluted":true},${JSON.stringify(payload['event-data']).slice(1)}}`;
    const [event] = parseMailgunEvents(JSON.parse(body), options);
    expect(Object.hasOwn(event?.raw as object, '__proto__')).toBe(false);
    expect((event?.raw as { polluted?: unknown }).polluted).toBeUndefined();
    expect(event?.recipient).toBe(parseMailgunEvents(payload, options)[0]?.recipient);
  });

  it('skips every check only when told to', async () => {
    const webhook = mailgunWebhook({ ...options, keys: [], skipVerification: true });
    const context = memoryContext(now + 100_000);
    const req = request(JSON.stringify({ 'event-data': payload['event-data'] }));
    await webhook.verify(req, context);
    expect((await webhook.parse(req, context)).events).toHaveLength(1);
  });
});
