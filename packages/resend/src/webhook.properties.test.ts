import { parseAddress } from '@relaykit/core/adapter';
import { assertSoundWebhookResult, webhookContext, webhookRequest } from '@relaykit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWebhookSecret } from './options.ts';
import { resendWebhook, signSvix, type ResendWebhookOptions } from './webhook.ts';

/**
 * Properties of the webhook over hostile bodies with a valid Svix signature: verify passes, parse
 * never throws, every event has a known type and a canonical recipient, and a bounce, complaint
 * or suppression is charged to at most the recipients it names.
 */

const key = decodeWebhookSecret('whsec_cmVzZW5kLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODlhYmM=');
const options: ResendWebhookOptions = {
  provider: 'resend',
  keys: [key],
  toleranceSeconds: 300,
  skipVerification: false,
  messageIdTag: 'relaykit_message_id',
};
const now = 1_700_000_000_000;
const context = webhookContext({ now });

let sequence = 0;
function signed(body: string) {
  sequence += 1;
  const id = `msg_${sequence}`;
  const ts = Math.floor(now / 1000);
  return webhookRequest('resend', body, {
    'svix-id': id,
    'svix-timestamp': String(ts),
    'svix-signature': signSvix(key, id, ts, body),
  });
}

const address = fc.constantFrom(
  'a@example.com',
  'B@Example.org',
  'c@example.net',
  'Name <d@example.com>',
  'not-an-address',
  'x\u0000@example.com',
);
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'toString', 'type', 'data', 'to');
const text = fc.oneof(
  fc.string(),
  address.map((a) => `smtp; 550 5.1.1 <${a}>: user unknown`),
  fc.constantFrom('smtp; 550 5.1.1 user unknown', 'Resend has suppressed sending to this address'),
);
const part = fc.record(
  {
    type: fc.oneof(fc.constantFrom('Permanent', 'Transient', 'Undetermined'), fc.string()),
    subType: fc.oneof(fc.constantFrom('General', 'Suppressed', 'constructor'), fc.string()),
    message: fc.oneof(text, fc.jsonValue()),
    diagnosticCode: fc.oneof(fc.array(text, { maxLength: 3 }), fc.jsonValue()),
    reason: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const payload = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      type: fc.oneof(
        fc.constantFrom(
          'email.sent',
          'email.delivered',
          'email.bounced',
          'email.complained',
          'email.suppressed',
          'email.failed',
          'email.delivery_delayed',
          'email.received',
          'email.constructor',
          'email.__proto__',
          'contact.created',
        ),
        fc.string(),
      ),
      created_at: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.jsonValue(),
      ),
      data: fc.oneof(
        fc.jsonValue(),
        fc.record(
          {
            to: fc.oneof(fc.array(address, { maxLength: 4 }), fc.jsonValue()),
            from: fc.oneof(address, fc.jsonValue()),
            email_id: fc.jsonValue(),
            tags: fc.oneof(
              fc.dictionary(fc.oneof(hostileKey, fc.string()), fc.string()),
              fc.jsonValue(),
            ),
            bounce: part,
            suppressed: part,
            failed: part,
            click: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);

describe('resend webhook properties', () => {
  it('a signed body of any shape verifies, and parse never throws and gives sound events', async () => {
    const webhook = resendWebhook(options);
    await fc.assert(
      fc.asyncProperty(payload, async (value) => {
        const req = signed(JSON.stringify(value));
        await webhook.verify(req, context);
        const result = await webhook.parse(req, context);
        assertSoundWebhookResult(result);
        const charged = result.events.filter(
          (e) =>
            ['bounced', 'complained', 'suppressed'].includes(e.type) &&
            e.bounce?.category !== 'unattributed',
        );
        // Charged only to a recipient the DSN or message names, unless it is the only one.
        const data = (value as { data?: Record<string, unknown> } | null)?.data;
        const to = Array.isArray(data?.['to']) ? (data['to'] as unknown[]) : [data?.['to']];
        const valid = new Set<string>();
        for (const entry of to) {
          try {
            valid.add(parseAddress(entry as string).address.toLowerCase());
          } catch {
            // not an address: never a recipient
          }
        }
        const said = JSON.stringify([data?.['bounce'], data?.['suppressed']]).toLowerCase();
        if (valid.size > 1)
          for (const e of charged) expect(said).toContain(e.recipient.toLowerCase());
      }),
      { numRuns: 1000, seed: 17 },
    );
  });

  it('parse never throws on any string', async () => {
    const webhook = resendWebhook(options);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (body) => {
        assertSoundWebhookResult(await webhook.parse(signed(body), context));
      }),
      { numRuns: 500, seed: 17 },
    );
  });
});
