/**
 * What one send puts on the wire, through relaykit's adapter and through the direct SDK call: the
 * request's headers and body size, side by side, per provider (a recording node:http server that
 * answers as each provider does). relaykit may add what earns its cost (an idempotency key,
 * its message id for correlating webhooks); anything else it adds is work for the provider.
 *
 *   pnpm build && node --import tsx test/bench/adapter-requests.ts
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
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
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    const answer = answers.find(([path]) => path.test(req.url ?? ''))?.[1] ?? '{}';
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const from = 'orders@mail.example.com';
const to = 'reader@example.org';
const subject = 'Your order';
const text = 'Thanks for your order.';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

const cases: Array<{ name: string; provider: Provider; direct: () => Promise<unknown> }> = [
  {
    name: 'ses',
    provider: ses({ region: 'eu-west-1', credentials, baseUrl: url, webhook: false }),
    direct: () =>
      new SESv2Client({ region: 'eu-west-1', credentials, endpoint: url }).send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }),
      ),
  },
  {
    name: 'postmark',
    provider: postmark({ serverToken: 'pm-token', baseUrl: url }),
    direct: () =>
      new ServerClient('pm-token', {
        useHttps: false,
        requestHost: url.slice('http://'.length),
      }).sendEmail({ From: from, To: to, Subject: subject, TextBody: text }),
  },
  {
    name: 'mailgun',
    provider: mailgun({ apiKey: 'key-1', domain: 'mg.example.com', baseUrl: url, webhook: false }),
    direct: () =>
      new Mailgun(FormData)
        .client({ username: 'api', key: 'key-1', url })
        .messages.create('mg.example.com', { from, to, subject, text }),
  },
  {
    name: 'resend',
    provider: resend({ apiKey: 're_123', baseUrl: url, webhook: false }),
    direct: () =>
      new Resend('re_123', { baseUrl: url } as never).emails.send({ from, to, subject, text }),
  },
];

const volatile = new Set(['host', 'date', 'x-amz-date', 'authorization', 'amz-sdk-invocation-id']);
for (const c of cases) {
  seen.length = 0;
  const relay = createRelay({ providers: [c.provider], throttle: false });
  await relay.send({ from, to, subject, text });
  await c.direct();
  await relay.close();
  const [viaRelay, direct] = seen as [Seen, Seen];
  const names = new Set([...Object.keys(viaRelay.headers), ...Object.keys(direct.headers)]);
  console.log(
    `\n${c.name}: body ${viaRelay.body.length} B via relaykit, ${direct.body.length} B direct`,
  );
  for (const h of [...names].sort()) {
    const a = viaRelay.headers[h];
    const b = direct.headers[h];
    if (String(a) === String(b) && !volatile.has(h)) continue;
    console.log(`  ${h}: relay ${JSON.stringify(a)} | direct ${JSON.stringify(b)}`);
  }
  console.log(`  body via relaykit: ${viaRelay.body.slice(0, 600)}`);
  console.log(`  body direct:       ${direct.body.slice(0, 600)}`);
}
server.close();
