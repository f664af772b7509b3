import {
  assertSoundWebhookResult,
  hostileAddresses,
  webhookContext,
  webhookRequest,
} from '@relaykit/core/testing';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { postmarkWebhook } from './webhook.ts';

/**
 * Properties of the webhook over hostile bodies sent with the right credentials: verify passes,
 * parse never throws, and every event has a known type and a canonical recipient; what it cannot
 * read is reported, inbound mail is misrouted.
 */

const hook = postmarkWebhook({
  provider: 'postmark',
  auth: { skip: false, basic: { username: 'pm', password: 'pw' } },
});
const context = webhookContext();
const request = (body: string) =>
  webhookRequest('postmark', body, {
    authorization: `Basic ${Buffer.from('pm:pw').toString('base64')}`,
  });

const address = fc.oneof(fc.constantFrom(...hostileAddresses), fc.jsonValue());
const when = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.jsonValue(),
);
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'toString', 'relaykit-message-id');
const record = fc.record(
  {
    RecordType: fc.oneof(
      fc.constantFrom(
        'Delivery',
        'Bounce',
        'SpamComplaint',
        'Open',
        'Click',
        'SubscriptionChange',
        'Inbound',
        'constructor',
        '__proto__',
      ),
      fc.jsonValue(),
    ),
    Type: fc.oneof(
      fc.constantFrom(
        'HardBounce',
        'SoftBounce',
        'Transient',
        'Blocked',
        'constructor',
        '__proto__',
      ),
      fc.jsonValue(),
    ),
    ID: fc.oneof(fc.integer(), fc.string(), fc.jsonValue()),
    MessageID: fc.jsonValue(),
    Recipient: address,
    Email: address,
    From: address,
    DeliveredAt: when,
    BouncedAt: when,
    ReceivedAt: when,
    ChangedAt: when,
    SuppressSending: fc.jsonValue(),
    Inactive: fc.jsonValue(),
    Details: fc.oneof(fc.string(), fc.constant('smtp;550 5.1.1 no such user'), fc.jsonValue()),
    Metadata: fc.oneof(
      fc.dictionary(fc.oneof(hostileKey, fc.string()), fc.jsonValue()),
      fc.jsonValue(),
    ),
    Tag: fc.jsonValue(),
    FromFull: fc.jsonValue(),
    MessageStream: fc.oneof(fc.constantFrom('outbound', 'inbound', 'broadcast'), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

describe('postmark webhook properties', () => {
  it('a body of any shape with the right credentials verifies, and parse never throws and gives sound events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(record, fc.jsonValue()), async (value) => {
        const req = request(JSON.stringify(value));
        await hook.verify(req, context);
        assertSoundWebhookResult(await hook.parse(req, context));
      }),
      { numRuns: 1000, seed: 17 },
    );
  });

  it('parse never throws on any string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (body) => {
        assertSoundWebhookResult(await hook.parse(request(body), context));
      }),
      { numRuns: 500, seed: 17 },
    );
  });
});
