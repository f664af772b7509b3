import { createRelay, type MessageInput, type SendReport } from '@relaykit/core';
import { parseArgs } from 'node:util';
import { list, parsing } from './args.ts';
import type { Command } from './command.ts';
import { line, UsageError } from './io.ts';
import { parseProviders, providerFromEnv } from './providers.ts';
import { openStore, type OpenedStore } from './store.ts';

const usage = `relaykit send --provider <name[,name]> --from <address> --to <address> --subject <text> --text <body>

Sends one test message through a configured provider and prints the report (per recipient:
sent, suppressed or rejected, with the provider's message id). Several providers, comma-separated,
are tried in that order (failover on provider-side faults).

Options:
  --provider <names>   ses, postmark, mailgun, resend
  --from <address>     sender, e.g. 'Shop <orders@mail.example.com>'
  --to <address>       recipient (repeatable, or comma-separated)
  --subject <text>
  --text <body>        plain-text body (give --text, --html or both)
  --html <body>        HTML body
  --stream <name>      relaykit stream of the message
  --tag <tag>          a tag (repeatable)
  --store <spec>       honour the suppression list in sqlite:<path> or redis://… (default: none)
  --json               print the report as JSON

Credentials come from the environment (never from flags, so they stay out of shell history):
  ses       AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or the AWS SDK's profile/role chain),
            SES_ENDPOINT, SES_CONFIGURATION_SET
  postmark  POSTMARK_SERVER_TOKEN, POSTMARK_BASE_URL
  mailgun   MAILGUN_API_KEY, MAILGUN_DOMAIN, MAILGUN_URL or MAILGUN_REGION (us|eu)
  resend    RESEND_API_KEY, RESEND_BASE_URL
'relaykit simulate' prints values that point every one of them at the local simulator.

Exit code: 0 when every recipient was accepted, 1 otherwise.
`;

function describe(report: SendReport): string[] {
  const head =
    report.status === 'sent' ? 'sent' : report.status === 'partial' ? 'partly sent' : 'not sent';
  return [
    `${head}: ${report.messageId}${report.provider ? ` via ${report.provider} (${report.providerMessageId ?? '?'})` : ''}, ${report.attempts} attempt${report.attempts === 1 ? '' : 's'}`,
    ...report.recipients.map(
      (r) => `  ${r.address}  ${r.status}${r.reason ? `  ${r.reason}` : ''}`,
    ),
  ];
}

export const send: Command = {
  name: 'send',
  summary: 'send one test message through a configured provider',
  usage,
  async run(args, io) {
    const { values, positionals } = parsing('send', () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        strict: true,
        options: {
          provider: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string', multiple: true },
          subject: { type: 'string' },
          text: { type: 'string' },
          html: { type: 'string' },
          stream: { type: 'string' },
          tag: { type: 'string', multiple: true },
          store: { type: 'string' },
          json: { type: 'boolean' },
        },
      }),
    );
    if (positionals.length > 0)
      throw new UsageError(
        `relaykit send: unexpected argument '${positionals[0]}'; flags take values, e.g. --subject 'Hello there'`,
      );
    const names = parseProviders('send', values.provider);
    const to = list(values.to);
    const missing = [
      values.from === undefined && '--from',
      to.length === 0 && '--to',
      values.subject === undefined && '--subject',
      values.text === undefined && values.html === undefined && '--text or --html',
    ].filter(Boolean);
    if (missing.length > 0) throw new UsageError(`relaykit send: give ${missing.join(', ')}`);
    const providers = names.map((name) => providerFromEnv(name, io.env, 'send'));
    let store: OpenedStore | undefined;
    try {
      store = values.store === undefined ? undefined : await openStore(values.store);
      const relay = createRelay({
        providers,
        // One message: no budget to share, and no MX lookups before a quick test send.
        throttle: false,
        retry: { attempts: 3, maxTimeMs: 20_000 },
        ...(store ? { suppression: { store: store.suppression } } : {}),
      });
      relay.on('failover', (e) =>
        line(io.stderr, `[relaykit] ${e.from} failed (${e.error.kind}); trying ${e.to}`),
      );
      const message: MessageInput = {
        from: values.from as string,
        to,
        subject: values.subject as string,
        ...(values.text === undefined ? {} : { text: values.text }),
        ...(values.html === undefined ? {} : { html: values.html }),
        ...(values.stream === undefined ? {} : { stream: values.stream }),
        ...(values.tag === undefined ? {} : { tags: list(values.tag) }),
      };
      try {
        const report = await relay.send(message);
        if (values.json)
          line(
            io.stdout,
            JSON.stringify(report, (k, v: unknown) => (k === 'error' ? undefined : v)),
          );
        else for (const text of describe(report)) line(io.stdout, text);
        return report.status === 'sent' ? 0 : 1;
      } finally {
        await relay.close();
      }
    } finally {
      await store?.close();
    }
  },
};
