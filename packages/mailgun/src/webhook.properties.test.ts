import { RelayError } from '@relaykit/core';
import { assertSoundWebhookResult, webhookContext, webhookRequest } from '@relaykit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mailgunWebhook,
  readEvents,
  signatureOf,
  signMailgun,
  type MailgunWebhookOptions,
} from './webhook.ts';

/**
 * Properties of the webhook over hostile bodies that carry a valid signature: verify passes, and
 * parse never throws; every event it gives has a known type and a recipient that is a canonical
 * address; what it cannot read is reported, not thrown.
 */

const key = 'property-signing-key';
const now = 1_700_000_000;
const options: MailgunWebhookOptions = {
  provider: 'mailgun',
  keys: [key],
  toleranceSeconds: 300,
  skipVerification: false,
  messageIdVariable: 'relaykit-message-id',
};

const context = () => webhookContext({ now: now * 1000, remember: true });
const request = (body: string, contentType = 'application/json') =>
  webhookRequest('mailgun', body, { 'content-type': contentType });

/** Keys a hostile payload likes: Object's own members and the ones the parser reads. */
const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'event',
  'recipient',
  'id',
  'timestamp',
  'user-variables',
  'message',
  'headers',
  'to',
  'delivery-status',
  'severity',
  'reason',
  'tags',
);
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(
    'failed',
    'rejected',
    'delivered',
    'constructor',
    '__proto__',
    'permanent',
    'temporary',
    'bounce',
    'a@example.com',
    'A <a@Example.COM>, "b, c" <b@example.org>',
    'x\u0000y@example.com',
    1_700_000_000,
    1e308,
    -1,
  ),
);
const eventData = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.oneof(hostileKey, fc.string()), value, { maxKeys: 12 }),
  fc.record(
    {
      event: value,
      id: value,
      timestamp: value,
      recipient: value,
      severity: value,
      reason: value,
      'delivery-status': fc.dictionary(fc.oneof(hostileKey, fc.string()), value),
      'user-variables': fc.dictionary(fc.oneof(hostileKey, fc.string()), value),
      message: fc.record({ headers: fc.dictionary(hostileKey, value) }, { requiredKeys: [] }),
      tags: value,
    },
    { requiredKeys: [] },
  ),
);

let sequence = 0;
const signature = () => {
  sequence += 1;
  const token = `tok-${sequence}-${'x'.repeat(40)}`;
  const timestamp = String(now);
  return { timestamp, token, signature: signMailgun(key, timestamp, token) };
};

describe('mailgun webhook properties', () => {
  it('a signed JSON body of any shape verifies, and parse never throws and gives sound events', async () => {
    await fc.assert(
      fc.asyncProperty(eventData, fc.dictionary(hostileKey, value), async (data, extra) => {
        const webhook = mailgunWebhook(options);
        const ctx = context();
        const req = request(
          JSON.stringify({ ...extra, signature: signature(), 'event-data': data }),
        );
        await webhook.verify(req, ctx);
        assertSoundWebhookResult(await webhook.parse(req, ctx));
      }),
      { numRuns: 1000, seed: 17 },
    );
  });

  it('a signed form body of any fields (route, legacy hook, noise) verifies and is misrouted', async () => {
    const fields = fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 20 })), fc.string(), {
      maxKeys: 10,
    });
    await fc.assert(
      fc.asyncProperty(fields, fc.boolean(), async (given, multipart) => {
        const webhook = mailgunWebhook(options);
        const ctx = context();
        const form = new FormData();
        for (const [name, text] of Object.entries({ ...given, ...signature() }))
          form.append(name, text);
        const encoded = multipart
          ? new Response(form)
          : new Response(new URLSearchParams(form as unknown as Record<string, string>), {
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            });
        const req = request(await encoded.text(), encoded.headers.get('content-type') ?? '');
        await webhook.verify(req, ctx);
        const result = await webhook.parse(req, ctx);
        assertSoundWebhookResult(result);
        expect(result.events).toEqual([]);
        expect(result.misrouted?.what).toEqual(expect.any(String));
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it('parse never throws on any string, whatever the content type', async () => {
    const webhook = mailgunWebhook(options);
    const contentType = fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'multipart/form-data',
      'text/plain',
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), contentType, async (body, type) => {
        const req = request(body, type);
        assertSoundWebhookResult(await webhook.parse(req, context()));
        // verify gives a typed refusal or (never, here) a pass.
        await expect(webhook.verify(req, context())).rejects.toBeInstanceOf(RelayError);
      }),
      { numRuns: 500, seed: 17 },
    );
  });
});

/**
 * The plain-JSON fast reads (signatureOf, readEvents) fork from the zod schemas they shortcut:
 * over arbitrary blocks and bodies, both readings accept and refuse the same ones and give the
 * same signature, events and dropped variables.
 */
describe('mailgun fast reads match the schemas', () => {
  const outcome = <T>(read: () => T): { ok: T } | { error: string } => {
    try {
      return { ok: read() };
    } catch (error) {
      expect(error).toBeInstanceOf(RelayError);
      return { error: (error as RelayError).message };
    }
  };
  /** As JSON.parse gives it (own __proto__ keys included), or as a JS value. */
  const asParsed = <T>(arbitrary: fc.Arbitrary<T>) =>
    fc.oneof(
      arbitrary.map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown),
      arbitrary.map((v) => v as unknown),
    );
  const timestamp = fc.oneof(
    fc.string({ maxLength: 14 }),
    fc.constantFrom('1700000000', '', ' 1', '1e3'),
    fc.double(),
    fc.integer(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1_700_000_000),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const text = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('', 'x'.repeat(1000), 'x'.repeat(1001)),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const block = fc.oneof(
    fc.record({ timestamp, token: text, signature: text }, { requiredKeys: [] }),
    fc
      .record({ timestamp, token: text, signature: text })
      .chain((r) =>
        fc.dictionary(hostileKey, value, { maxKeys: 3 }).map((extra) => ({ ...extra, ...r })),
      ),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant(
      Object.assign(Object.create(null) as object, { timestamp: '1', token: 't', signature: 's' }),
    ),
  );

  it('signatureOf: the fast read and signatureSchema agree on any block', () => {
    fc.assert(
      fc.property(asParsed(block), (given) => {
        expect(outcome(() => signatureOf(given, 'mailgun'))).toEqual(
          outcome(() => signatureOf(given, 'mailgun', true)),
        );
      }),
      { numRuns: 2000, seed: 22 },
    );
  });

  it('readEvents: the fast read and bodySchema give the same events for any body', () => {
    const body = fc.oneof(
      fc.record(
        { signature: fc.oneof(block, fc.constant(signature())), 'event-data': eventData },
        { requiredKeys: [] },
      ),
      fc
        .tuple(fc.dictionary(hostileKey, value, { maxKeys: 4 }), eventData)
        .map(([extra, data]) => ({ ...extra, signature: signature(), 'event-data': data })),
      fc.jsonValue({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(asParsed(body), (given) => {
        const fastDropped: string[] = [];
        const schemaDropped: string[] = [];
        expect(outcome(() => readEvents(given, options, fastDropped))).toEqual(
          outcome(() => readEvents(given, options, schemaDropped, true)),
        );
        expect(fastDropped).toEqual(schemaDropped);
      }),
      { numRuns: 2000, seed: 22 },
    );
  });
});
