/**
 * Webhook intake cost per provider: verify + parse of one signed bounce notification, as the
 * relay's handler calls them, in notifications per second. Each provider's figure is set beside
 * a bare JSON.parse of the same body in the same run, so the ratio (how many JSON.parse calls one
 * intake costs) stays meaningful on a loaded host.
 *
 *   pnpm vitest bench --run test/bench/webhook-parse.bench.ts
 */
import { afterAll, bench, describe } from 'vitest';
import { memoryDedupe } from '@relaykit/core';
import {
  type ProviderWebhook,
  type WebhookContext,
  type WebhookRequest,
} from '@relaykit/core/adapter';
import { mailgun, signMailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend, signSvix } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import { decodeWebhookSecret } from '../../packages/resend/src/options.ts';
import { notification, testIdentity, testTopic } from '../../packages/ses/src/test-support.ts';

const N = 2000;
/** A fresh context per run: the relay's memory dedupe store behind `remember`. */
const freshContext = (): WebhookContext => {
  const store = memoryDedupe();
  return { now: Date.now, remember: (key, ttlMs) => store.remember(key, ttlMs), fetch };
};
const request = (body: string, headers: Record<string, string>): WebhookRequest => ({
  method: 'POST',
  url: 'http://localhost/webhooks/x',
  headers: new Headers(headers),
  body,
});

// Mailgun: the token is single-use, so every notification is signed afresh.
const mailgunKey = 'bench-signing-key';
const mailgunHook = mailgun({
  domain: 'mg.example.com',
  apiKey: 'key-bench',
  webhook: { signingKey: mailgunKey },
}).webhook as ProviderWebhook;
let mailgunSeq = 0;
const mailgunBodies = () =>
  Array.from({ length: N }, () => {
    mailgunSeq += 1;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = `bench-${mailgunSeq}-${'t'.repeat(40)}`;
    return JSON.stringify({
      signature: { timestamp, token, signature: signMailgun(mailgunKey, timestamp, token) },
      'event-data': {
        event: 'failed',
        id: `ev-${mailgunSeq}`,
        timestamp: Date.now() / 1000,
        severity: 'permanent',
        reason: 'bounce',
        recipient: 'gone@example.org',
        'delivery-status': {
          code: 550,
          message: '5.1.1 The email account that you tried to reach does not exist',
          description: '',
        },
        message: { headers: { to: 'gone@example.org', 'message-id': '20240101.1@mg.example.com' } },
        'user-variables': { 'relaykit-message-id': 'rk_1', order: '42' },
        tags: ['receipt'],
      },
    });
  });

// Resend: Svix headers over the raw body.
const resendSecret = 'whsec_cmVzZW5kLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODlhYmM=';
const resendHook = resend({ apiKey: 're_bench', webhook: { secret: resendSecret } })
  .webhook as ProviderWebhook;
const resendBody = JSON.stringify({
  type: 'email.bounced',
  created_at: new Date().toISOString(),
  data: {
    created_at: new Date().toISOString(),
    email_id: '56761188-7520-42d8-8898-ff6fc54ce618',
    from: 'Acme <onboarding@example.com>',
    to: ['gone@example.org', 'ok@example.org'],
    subject: 'Receipt',
    bounce: {
      diagnosticCode: ['smtp; 550 5.1.1 <gone@example.org>: user unknown'],
      message: "The recipient's email address doesn't exist.",
      subType: 'General',
      type: 'Permanent',
    },
    tags: { relaykit_message_id: 'rk_1' },
  },
});
const resendHeaders = () => {
  const ts = Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'svix-id': 'msg_bench',
    'svix-timestamp': String(ts),
    'svix-signature': signSvix(decodeWebhookSecret(resendSecret), 'msg_bench', ts, resendBody),
  };
};

// SES: an SNS notification signed by a test certificate (the certificate is fetched once).
const identity = testIdentity();
const sesHook = ses({
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  webhook: { topicArns: [testTopic], fetchCertificate: async () => identity.certificatePem },
}).webhook as ProviderWebhook;
// Each notification has its own MessageId, as SNS sends them.
const sesBodies = Array.from({ length: N }, (_, i) =>
  JSON.stringify(
    notification(
      identity,
      {
        eventType: 'Bounce',
        mail: {
          timestamp: new Date().toISOString(),
          source: 'noreply@example.com',
          messageId: `0100018e0b7f6a2b-${i}`,
          destination: ['gone@example.org'],
          tags: { 'relaykit-message-id': ['rk_1'] },
        },
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [
            {
              emailAddress: 'gone@example.org',
              status: '5.1.1',
              diagnosticCode: 'smtp; 550 5.1.1 user unknown',
            },
          ],
          timestamp: new Date().toISOString(),
        },
      },
      { MessageId: `bench-${i}` },
    ),
  ),
);

// Postmark: basic auth.
const postmarkHook = postmark({
  serverToken: 'bench',
  webhook: { basicAuth: { username: 'pm', password: 'bench-password' } },
}).webhook as ProviderWebhook;
const postmarkBody = JSON.stringify({
  RecordType: 'Bounce',
  ID: 4323372036854775,
  Type: 'HardBounce',
  TypeCode: 1,
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Metadata: { 'relaykit-message-id': 'rk_1' },
  MessageStream: 'outbound',
  Description: 'The server was unable to deliver your message.',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: 'gone@example.org',
  From: 'noreply@example.com',
  BouncedAt: new Date().toISOString(),
  Inactive: true,
});
const postmarkHeaders = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from('pm:bench-password').toString('base64')}`,
};

const measured: Record<string, { intake: number; json: number; events: number }> = {};

async function intake(hook: ProviderWebhook, requests: WebhookRequest[]): Promise<number> {
  const context = freshContext();
  let events = 0;
  for (const req of requests) {
    await hook.verify(req, context);
    events += (await hook.parse(req, context)).events.length;
  }
  return events;
}

function run(name: string, prepare: () => WebhookRequest[]) {
  bench(
    `${name}: verify + parse`,
    async () => {
      const requests = prepare();
      const started = performance.now();
      const events = await intake(
        {
          mailgun: mailgunHook,
          resend: resendHook,
          ses: sesHook,
          postmark: postmarkHook,
        }[name] as ProviderWebhook,
        requests,
      );
      const rate = N / ((performance.now() - started) / 1000);
      const bodies = requests.map((r) => r.body);
      const jsonStarted = performance.now();
      for (const body of bodies) JSON.parse(body);
      const json = N / ((performance.now() - jsonStarted) / 1000);
      const best = measured[name];
      if (!best || rate > best.intake) measured[name] = { intake: rate, json, events };
    },
    { iterations: 5, warmupIterations: 1 },
  );
}

describe(`webhook intake, ${N.toLocaleString('en')} signed bounce notifications per provider`, () => {
  run('mailgun', () =>
    mailgunBodies().map((b) => request(b, { 'content-type': 'application/json' })),
  );
  run('resend', () => {
    const headers = resendHeaders();
    return Array.from({ length: N }, () => request(resendBody, headers));
  });
  run('ses', () => sesBodies.map((b) => request(b, { 'content-type': 'text/plain' })));
  run('postmark', () => Array.from({ length: N }, () => request(postmarkBody, postmarkHeaders)));
});

afterAll(() => {
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  const lines = Object.entries(measured).map(
    ([name, m]) =>
      `${name}: ${fmt(m.intake)} notifications/s (best of 5; ${fmt(m.events)} events), ` +
      `JSON.parse of the same body ${fmt(m.json)}/s, one intake = ${(m.json / m.intake).toFixed(1)} JSON.parse`,
  );
  console.log(`\n[webhook-parse.bench]\n  ${lines.join('\n  ')}`);
});
