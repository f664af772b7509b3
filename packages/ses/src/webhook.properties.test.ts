import {
  assertSoundWebhookResult,
  hostileAddresses,
  webhookContext,
  webhookRequest,
} from '@relaykit/core/testing';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { notification, testIdentity, testTopic, type TestIdentity } from './test-support.ts';
import { createSesWebhook } from './webhook.ts';

/**
 * Properties of the webhook over SNS notifications with a valid signature carrying hostile SES
 * events: verify passes, parse never throws, and every event has a known type and a canonical
 * recipient; what it cannot read is reported, not thrown.
 */

let identity: TestIdentity;
beforeAll(() => {
  identity = testIdentity();
});

const context = webhookContext({ fetch: async () => new Response('ok') });
const request = (body: unknown) =>
  webhookRequest('ses', JSON.stringify(body), { 'content-type': 'text/plain; charset=UTF-8' });

const address = fc.oneof(fc.constantFrom(...hostileAddresses), fc.jsonValue());
const recipients = fc.oneof(
  fc.array(
    fc.oneof(
      address,
      fc.record(
        {
          emailAddress: address,
          status: fc.jsonValue(),
          diagnosticCode: fc.oneof(fc.string(), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    ),
    { maxLength: 4 },
  ),
  fc.jsonValue(),
);
const kind = fc.oneof(
  fc.constantFrom(
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
    'Received',
    'AmazonSnsSubscriptionSucceeded',
    'constructor',
    '__proto__',
    'toString',
  ),
  fc.string(),
);
const sesEvent = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.record(
    {
      eventType: kind,
      notificationType: kind,
      mail: fc.oneof(
        fc.jsonValue(),
        fc.record(
          {
            destination: recipients,
            messageId: fc.jsonValue(),
            source: address,
            tags: fc.oneof(
              fc.dictionary(
                fc.oneof(fc.constantFrom('__proto__', 'constructor'), fc.string()),
                fc.array(fc.string()),
              ),
              fc.jsonValue(),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
      bounce: fc.oneof(
        fc.jsonValue(),
        fc.record(
          {
            bounceType: fc.jsonValue(),
            bounceSubType: fc.jsonValue(),
            bouncedRecipients: recipients,
          },
          { requiredKeys: [] },
        ),
      ),
      complaint: fc.oneof(
        fc.jsonValue(),
        fc.record(
          { complainedRecipients: recipients, complaintFeedbackType: fc.jsonValue() },
          { requiredKeys: [] },
        ),
      ),
      delivery: fc.oneof(
        fc.jsonValue(),
        fc.record({ recipients, timestamp: fc.jsonValue() }, { requiredKeys: [] }),
      ),
      deliveryDelay: fc.oneof(
        fc.jsonValue(),
        fc.record({ delayedRecipients: recipients }, { requiredKeys: [] }),
      ),
      click: fc.jsonValue(),
      subscription: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
);

describe('ses webhook properties', () => {
  it('a signed notification carrying any event verifies, and parse never throws and gives sound events', async () => {
    const hook = createSesWebhook({
      provider: 'ses',
      messageIdTag: 'relaykit-message-id',
      topicArns: [testTopic],
      fetchCertificate: async () => identity.certificatePem,
    });
    await fc.assert(
      fc.asyncProperty(sesEvent, async (event) => {
        const req = request(notification(identity, event));
        await hook.verify(req, context);
        assertSoundWebhookResult(await hook.parse(req, context));
      }),
      { numRuns: 500, seed: 17 },
    );
  });

  it('parse never throws on any body (verification skipped)', async () => {
    const hook = createSesWebhook({
      provider: 'ses',
      messageIdTag: 'relaykit-message-id',
      dangerouslySkipVerification: true,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          assertSoundWebhookResult(
            await hook.parse(
              {
                method: 'POST',
                url: 'http://localhost/webhooks/ses',
                headers: new Headers(),
                body,
              },
              context,
            ),
          );
        },
      ),
      { numRuns: 500, seed: 17 },
    );
  });
});
