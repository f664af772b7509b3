// Signed webhook deliveries for the intake benches: each one a bounce of its own recipient with
// its own event id, signed as the provider signs it (Mailgun HMAC with a fresh token, Svix over
// the raw body, an SNS notification signed by a test certificate, Postmark basic auth), so every
// delivery is new to the replay guard and the dedupe store, as a provider's stream is.
import type { Provider } from '@relaykit/core';
import type { WebhookRequest } from '@relaykit/core/adapter';

/** A delivery as the bench builds it: its headers are a web Headers. */
export type Delivery = WebhookRequest & { headers: Headers };
import { mailgun, signMailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend, signSvix } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import { decodeWebhookSecret } from '../../packages/resend/src/options.ts';
import { notification, testIdentity, testTopic } from '../../packages/ses/src/test-support.ts';

export const webhookProviders = ['mailgun', 'resend', 'ses', 'postmark'] as const;
export type WebhookProviderName = (typeof webhookProviders)[number];

const mailgunKey = 'bench-signing-key';
const resendSecret = 'whsec_cmVzZW5kLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODlhYmM=';
const resendKey = decodeWebhookSecret(resendSecret);
const identity = testIdentity();
const postmarkAuth = `Basic ${Buffer.from('pm:bench-password').toString('base64')}`;

/** The adapter for `name`, configured to verify what `deliveries` signs. */
export function webhookProvider(name: WebhookProviderName): Provider {
  switch (name) {
    case 'mailgun':
      return mailgun({
        domain: 'mg.example.com',
        apiKey: 'key-bench',
        webhook: { signingKey: mailgunKey },
      });
    case 'resend':
      return resend({ apiKey: 're_bench', webhook: { secret: resendSecret } });
    case 'ses':
      return ses({
        region: 'us-east-1',
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        webhook: { topicArns: [testTopic], fetchCertificate: async () => identity.certificatePem },
      });
    case 'postmark':
      return postmark({
        serverToken: 'bench',
        webhook: { basicAuth: { username: 'pm', password: 'bench-password' } },
      });
  }
}

let serial = 0;

/** `n` distinct signed bounce deliveries for `name`, as raw requests. */
export function deliveries(name: WebhookProviderName, n: number): Delivery[] {
  return Array.from({ length: n }, () => {
    serial += 1;
    const recipient = `gone${serial}@example.org`;
    const url = `http://localhost/webhooks/${name}`;
    const now = new Date().toISOString();
    if (name === 'mailgun') {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const token = `bench-${serial}-${'t'.repeat(40)}`;
      const body = JSON.stringify({
        signature: { timestamp, token, signature: signMailgun(mailgunKey, timestamp, token) },
        'event-data': {
          event: 'failed',
          id: `ev-${serial}`,
          timestamp: Date.now() / 1000,
          severity: 'permanent',
          reason: 'bounce',
          recipient,
          'delivery-status': {
            code: 550,
            message: '5.1.1 The email account that you tried to reach does not exist',
            description: '',
          },
          message: { headers: { to: recipient, 'message-id': `${serial}@mg.example.com` } },
          'user-variables': { 'relaykit-message-id': `rk_${serial}`, order: '42' },
          tags: ['receipt'],
        },
      });
      return {
        method: 'POST',
        url,
        headers: new Headers({ 'content-type': 'application/json' }),
        body,
      };
    }
    if (name === 'resend') {
      const body = JSON.stringify({
        type: 'email.bounced',
        created_at: now,
        data: {
          created_at: now,
          email_id: `56761188-7520-42d8-8898-${String(serial).padStart(12, '0')}`,
          from: 'Acme <onboarding@example.com>',
          to: [recipient],
          subject: 'Receipt',
          bounce: {
            diagnosticCode: [`smtp; 550 5.1.1 <${recipient}>: user unknown`],
            message: "The recipient's email address doesn't exist.",
            subType: 'General',
            type: 'Permanent',
          },
          tags: { relaykit_message_id: `rk_${serial}` },
        },
      });
      const id = `msg_bench_${serial}`;
      const ts = Math.floor(Date.now() / 1000);
      const headers = new Headers({
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': String(ts),
        'svix-signature': signSvix(resendKey, id, ts, body),
      });
      return { method: 'POST', url, headers, body };
    }
    if (name === 'ses') {
      const body = JSON.stringify(
        notification(
          identity,
          {
            eventType: 'Bounce',
            mail: {
              timestamp: now,
              source: 'noreply@example.com',
              messageId: `0100018e0b7f6a2b-${serial}`,
              destination: [recipient],
              tags: { 'relaykit-message-id': [`rk_${serial}`] },
            },
            bounce: {
              bounceType: 'Permanent',
              bounceSubType: 'General',
              bouncedRecipients: [
                {
                  emailAddress: recipient,
                  status: '5.1.1',
                  diagnosticCode: 'smtp; 550 5.1.1 user unknown',
                },
              ],
              timestamp: now,
            },
          },
          { MessageId: `bench-${serial}` },
        ),
      );
      return { method: 'POST', url, headers: new Headers({ 'content-type': 'text/plain' }), body };
    }
    const body = JSON.stringify({
      RecordType: 'Bounce',
      ID: 4_000_000_000 + serial,
      Type: 'HardBounce',
      TypeCode: 1,
      MessageID: `883953f4-6105-42a2-a16a-${String(serial).padStart(12, '0')}`,
      Metadata: { 'relaykit-message-id': `rk_${serial}` },
      MessageStream: 'outbound',
      Description: 'The server was unable to deliver your message.',
      Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      Email: recipient,
      From: 'noreply@example.com',
      BouncedAt: now,
      Inactive: true,
    });
    const headers = new Headers({
      'content-type': 'application/json',
      authorization: postmarkAuth,
    });
    return { method: 'POST', url, headers, body };
  });
}

/** The same delivery as a web-standard Request, as a server hands it to `relay.webhooks.handle`. */
export const asRequest = (d: Delivery): Request =>
  new Request(d.url, { method: d.method, headers: d.headers, body: d.body });

/**
 * The same delivery as a Node server holds it once the body is read: the request as node:http
 * gives it (method, path, header object with a server's usual headers) and the body's bytes.
 */
export function asNodeRequest(d: Delivery): {
  req: { method: string; url: string; headers: Record<string, string> };
  body: Buffer;
} {
  const body = Buffer.from(d.body);
  const headers: Record<string, string> = {
    host: 'relay.example.com',
    'user-agent': 'provider-webhooks/1.0',
    'content-length': String(body.byteLength),
    'accept-encoding': 'gzip',
    connection: 'keep-alive',
  };
  for (const [name, value] of d.headers) headers[name] = value;
  return { req: { method: d.method, url: new URL(d.url).pathname, headers }, body };
}
