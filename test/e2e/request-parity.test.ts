/**
 * What relaykit puts on the wire beyond the direct SDK call, per provider: the same headers (the
 * SDK builds the request in both cases) plus an Idempotency-Key where the provider takes one, and
 * in the body only relaykit's message id (for webhook correlation) and explicit defaults. A
 * recording node:http server answers as each provider does.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { createRelay, type Provider } from '@relaykit/core';
import { mailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { ServerClient } from 'postmark';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
const answers: Array<[RegExp, string]> = [
  [/outbound-emails/u, '{"MessageId":"ses-1"}'],
  [
    /^\/email$/u,
    '{"To":"a@example.org","SubmittedAt":"2026-01-01T00:00:00Z","MessageID":"pm-1","ErrorCode":0,"Message":"OK"}',
  ],
  [/\/messages$/u, '{"id":"<1@mg.example.com>","message":"Queued. Thank you."}'],
  [/^\/emails$/u, '{"id":"re-1"}'],
];
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers.find(([path]) => path.test(req.url ?? ''))?.[1] ?? '{}';
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const from = 'orders@mail.example.com';
const to = 'reader@example.org';
const subject = 'Your order';
const text = 'Thanks for your order.';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

const cases: Array<{
  name: string;
  provider: () => Provider;
  direct: () => Promise<unknown>;
  /** Headers relaykit may add: what earns its cost. */
  extraHeaders: string[];
}> = [
  {
    name: 'ses',
    provider: () => ses({ region: 'eu-west-1', credentials, baseUrl: url, webhook: false }),
    direct: () =>
      new SESv2Client({ region: 'eu-west-1', credentials, endpoint: url }).send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }),
      ),
    extraHeaders: [],
  },
  {
    name: 'postmark',
    provider: () => postmark({ serverToken: 'pm-token', baseUrl: url }),
    direct: () =>
      new ServerClient('pm-token', {
        useHttps: false,
        requestHost: url.slice('http://'.length),
      }).sendEmail({ From: from, To: to, Subject: subject, TextBody: text }),
    extraHeaders: [],
  },
  {
    name: 'mailgun',
    provider: () =>
      mailgun({ apiKey: 'key-1', domain: 'mg.example.com', baseUrl: url, webhook: false }),
    direct: () =>
      new Mailgun(FormData)
        .client({ username: 'api', key: 'key-1', url })
        .messages.create('mg.example.com', { from, to, subject, text }),
    extraHeaders: [],
  },
  {
    name: 'resend',
    provider: () => resend({ apiKey: 're_123', baseUrl: url, webhook: false }),
    direct: () =>
      new Resend('re_123', { baseUrl: url } as never).emails.send({ from, to, subject, text }),
    // A retry of the same message is not sent twice.
    extraHeaders: ['idempotency-key'],
  },
];

describe("relaykit's request against the direct SDK call", () => {
  for (const c of cases) {
    it(`${c.name}: the SDK's headers, plus only ${c.extraHeaders.join(', ') || 'nothing'}; the message id in the body`, async () => {
      seen.length = 0;
      const relay = createRelay({ providers: [c.provider()], throttle: false });
      const report = await relay.send({ from, to, subject, text });
      await c.direct();
      await relay.close();
      expect(seen).toHaveLength(2);
      const [viaRelay, direct] = seen as [Seen, Seen];
      const added = Object.keys(viaRelay.headers).filter((h) => !(h in direct.headers));
      expect(added.sort()).toEqual([...c.extraHeaders].sort());
      expect(Object.keys(direct.headers).filter((h) => !(h in viaRelay.headers))).toEqual([]);
      expect(viaRelay.body).toContain(report.messageId);
      // What the message id and explicit defaults add, and nothing of size beyond them.
      expect(viaRelay.body.length - direct.body.length).toBeLessThan(160);
    });
  }
});
