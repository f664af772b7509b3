import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRelay, nodeWebhookListener, type DeliveryEvent, type Relay } from '@relaykit/core';
import { parseArgs } from 'node:util';
import { hostPort, parsing } from './args.ts';
import type { Command } from './command.ts';
import { line, untilStopped, UsageError } from './io.ts';
import { parseProviders, providerFromEnv } from './providers.ts';
import { openStore, type OpenedStore } from './store.ts';

const usage = `relaykit events --provider <name[,name]> [options]

Listens for the providers' webhooks, verifies them, and prints each DeliveryEvent as it arrives
(one line each: time, type, provider, recipient, message id, bounce class). Runs until Ctrl-C.
Point each provider's webhook at http://<listen>/webhooks/<provider>.

Options:
  --provider <names>   ses, postmark, mailgun, resend
  --listen <host:port> where to listen (default 127.0.0.1:8787)
  --store <spec>       record events in sqlite:<path> or redis://… : bounces and complaints then
                       suppress there, and redeliveries are recognised across restarts (default: memory)
  --json               print JSON lines (one DeliveryEvent per line, without the raw payload)
  --raw                with --json, keep each event's raw provider payload

Webhook secrets come from the environment:
  ses       SES_SNS_TOPIC_ARNS (the topics allowed; signatures are checked against SNS certificates)
  postmark  POSTMARK_WEBHOOK_SECRET (header X-Relaykit-Webhook-Secret, or POSTMARK_WEBHOOK_SECRET_HEADER)
            and/or POSTMARK_WEBHOOK_USERNAME + POSTMARK_WEBHOOK_PASSWORD (Basic auth in the webhook URL)
  mailgun   MAILGUN_WEBHOOK_SIGNING_KEY
  resend    RESEND_WEBHOOK_SECRET (whsec_...)
Requests that fail verification get 401 and are reported on stderr; nothing from them is printed.
`;

function describe(e: DeliveryEvent): string {
  const bounce = e.bounce
    ? `  ${e.bounce.class}/${e.bounce.category}${e.bounce.enhancedStatus ? ` ${e.bounce.enhancedStatus}` : ''}`
    : '';
  const link = e.url ? `  ${e.url}` : '';
  return `${e.at.toISOString()}  ${e.type.padEnd(12)}  ${e.provider.padEnd(8)}  ${e.recipient}  ${e.messageId ?? e.providerMessageId ?? '-'}${bounce}${link}`;
}

/** Serves the relay's webhooks under /webhooks/<provider>; a taken port is a usage error, not a crash. */
export async function listenOn(relay: Relay, host: string, port: number, command = 'events') {
  const server = createServer(nodeWebhookListener(relay));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
          ? new UsageError(
              `relaykit ${command}: cannot listen on ${host}:${port} (${error.code}); choose another with --listen host:port`,
            )
          : error,
      );
    });
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/webhooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const events: Command = {
  name: 'events',
  summary: 'receive webhooks and print delivery events as they arrive',
  usage,
  async run(args, io) {
    const { values, positionals } = parsing('events', () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        strict: true,
        options: {
          provider: { type: 'string' },
          listen: { type: 'string' },
          store: { type: 'string' },
          json: { type: 'boolean' },
          raw: { type: 'boolean' },
        },
      }),
    );
    if (positionals.length > 0)
      throw new UsageError(`relaykit events: unexpected argument '${positionals[0]}'`);
    const names = parseProviders('events', values.provider);
    const { host, port } = hostPort(
      'events',
      '--listen',
      values.listen ?? '127.0.0.1:8787',
      '127.0.0.1',
    );
    const providers = names.map((name) => providerFromEnv(name, io.env, 'webhooks'));
    let store: OpenedStore | undefined;
    try {
      store = values.store === undefined ? undefined : await openStore(values.store);
      const relay = createRelay({
        providers,
        throttle: false,
        ...(store ? { dedupe: store.dedupe, suppression: { store: store.suppression } } : {}),
      });
      relay.on('event', (e) => {
        if (!values.json) return line(io.stdout, describe(e));
        line(io.stdout, JSON.stringify(values.raw ? e : { ...e, raw: undefined }));
      });
      relay.on('error', (e) =>
        line(
          io.stderr,
          `[relaykit] ${e.message}: ${e.error instanceof Error ? e.error.message : String(e.error)}`,
        ),
      );
      relay.on('suppression', (d) =>
        line(
          io.stderr,
          `[relaykit] ${d.type} ${d.address ?? d.event.recipient}${d.reason ? ` (${d.reason})` : ''}`,
        ),
      );
      relay.on('alert', (a) => line(io.stderr, `[relaykit] alert: ${a.message}`));
      const server = await listenOn(relay, host, port);
      for (const name of names) line(io.stderr, `listening: POST ${server.url}/${name}`);
      try {
        await untilStopped(io);
      } finally {
        await server.close();
        await relay.close();
      }
      return 0;
    } finally {
      await store?.close();
    }
  },
};
