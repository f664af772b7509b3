import { startSimulator, type Simulator } from '@relaykit/simulator';
import { parseArgs } from 'node:util';
import { parsing, port } from './args.ts';
import type { Command } from './command.ts';
import { line, untilStopped, UsageError } from './io.ts';

const usage = `relaykit simulate [options]

Runs the relaykit simulator: one local server speaking the Amazon SES v2, Postmark, Mailgun and
Resend HTTP APIs, posting signed webhooks, for your own tests. Prints its endpoints, credentials
and the environment variables that point relaykit, the CLI or each SDK at it. Runs until Ctrl-C.

Options:
  --port <port>          port to listen on (default 4010; 0 = any free port)
  --host <host>          address to listen on (default 127.0.0.1)
  --seed <seed>          seed of simulated behaviour and ids (default relaykit)
  --webhook-url <base>   post webhooks to <base>/<provider>, e.g. http://127.0.0.1:8787/webhooks
                         (where 'relaykit events' listens)
  --latency <ms>         answer every API call after this delay
  --duplicates           post every webhook twice
  --out-of-order         post each message's events in reverse order
  --json                 print the endpoints, credentials and env as JSON

Recipients behave by address: deliver by default; script others from code (startSimulator in
@relaykit/simulator). The credentials are the simulator's fixed test values, not secrets.
`;

// Postmark does not sign webhooks; the simulator adds this header so 'relaykit events' can check it.
export const postmarkWebhookHeader = {
  name: 'X-Relaykit-Webhook-Secret',
  value: 'sim-postmark-webhook-secret',
};

/** The variables `relaykit send`/`events` and the adapters' docs read, pointing at the simulator. */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  return {
    AWS_REGION: sim.ses.region,
    SES_ENDPOINT: sim.ses.endpoint,
    AWS_ACCESS_KEY_ID: sim.ses.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.ses.credentials.secretAccessKey,
    SES_SNS_TOPIC_ARNS: sim.ses.topicArn,
    POSTMARK_SERVER_TOKEN: sim.postmark.serverToken,
    POSTMARK_BASE_URL: sim.url,
    POSTMARK_WEBHOOK_SECRET: postmarkWebhookHeader.value,
    MAILGUN_API_KEY: sim.mailgun.apiKey,
    MAILGUN_DOMAIN: sim.mailgun.domain,
    MAILGUN_URL: sim.mailgun.url,
    MAILGUN_WEBHOOK_SIGNING_KEY: sim.mailgun.webhookSigningKey,
    RESEND_API_KEY: sim.resend.apiKey,
    RESEND_BASE_URL: sim.resend.baseUrl,
    RESEND_WEBHOOK_SECRET: sim.resend.webhookSecret,
  };
}

function describe(sim: Simulator, webhookBase: string | undefined): string[] {
  const env = simulatorEnv(sim);
  return [
    `relaykit simulator listening on ${sim.url} (seed ${sim.seed})`,
    webhookBase
      ? `webhooks go to ${webhookBase}/<provider>`
      : `webhooks are not posted; add --webhook-url http://127.0.0.1:8787/webhooks to feed 'relaykit events'`,
    '',
    'Environment for relaykit send / relaykit events (and your app):',
    ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
    '',
    'SDK clients:',
    `  SES       new SESv2Client({ region: '${sim.ses.region}', endpoint: '${sim.ses.endpoint}', credentials: { accessKeyId: '${sim.ses.credentials.accessKeyId}', secretAccessKey: '${sim.ses.credentials.secretAccessKey}' } })`,
    `  Postmark  new ServerClient('${sim.postmark.serverToken}', { useHttps: false, requestHost: '${sim.postmark.requestHost}' })`,
    `  Mailgun   new Mailgun(FormData).client({ username: 'api', key: '${sim.mailgun.apiKey}', url: '${sim.mailgun.url}' })  (domain ${sim.mailgun.domain})`,
    `  Resend    new Resend('${sim.resend.apiKey}', { baseUrl: '${sim.resend.baseUrl}' })`,
    `  relaykit  postmark({ serverToken, baseUrl }), ses({ region, baseUrl, credentials }), mailgun({ apiKey, domain, baseUrl }), resend({ apiKey, baseUrl })`,
    '',
    'Press Ctrl-C to stop.',
  ];
}

export const simulate: Command = {
  name: 'simulate',
  summary: 'run the provider simulator locally for your own tests',
  usage,
  async run(args, io) {
    const { values, positionals } = parsing('simulate', () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        strict: true,
        options: {
          port: { type: 'string' },
          host: { type: 'string' },
          seed: { type: 'string' },
          'webhook-url': { type: 'string' },
          latency: { type: 'string' },
          duplicates: { type: 'boolean' },
          'out-of-order': { type: 'boolean' },
          json: { type: 'boolean' },
        },
      }),
    );
    if (positionals.length > 0)
      throw new UsageError(`relaykit simulate takes no arguments (got '${positionals[0]}')`);
    const latency = values.latency === undefined ? undefined : Number(values.latency);
    if (latency !== undefined && !(Number.isFinite(latency) && latency >= 0))
      throw new UsageError(
        `relaykit simulate: --latency must be milliseconds, not '${values.latency}'`,
      );
    const base = values['webhook-url']?.replace(/\/+$/u, '');
    if (base !== undefined && !URL.canParse(base))
      throw new UsageError(
        `relaykit simulate: --webhook-url must be a URL, e.g. http://127.0.0.1:8787/webhooks`,
      );
    const sim = await startSimulator({
      host: values.host ?? '127.0.0.1',
      port: values.port === undefined ? 4010 : port('simulate', '--port', values.port),
      ...(values.seed === undefined ? {} : { seed: values.seed }),
      ...(latency === undefined ? {} : { latencyMs: latency }),
      webhooks: {
        // relaykit tells providers apart by the last path segment (POST /webhooks/postmark).
        ...(base
          ? {
              urls: {
                ses: `${base}/ses`,
                postmark: `${base}/postmark`,
                mailgun: `${base}/mailgun`,
                resend: `${base}/resend`,
              },
            }
          : {}),
        secrets: {
          postmark: { header: postmarkWebhookHeader },
        },
        duplicates: values.duplicates ?? false,
        outOfOrder: values['out-of-order'] ?? false,
      },
    });
    try {
      if (values.json) {
        line(
          io.stdout,
          JSON.stringify({
            url: sim.url,
            seed: sim.seed,
            webhookUrl: base ?? null,
            env: simulatorEnv(sim),
            ses: sim.ses.clientConfig,
            postmark: { serverToken: sim.postmark.serverToken, ...sim.postmark.clientOptions },
            mailgun: { ...sim.mailgun.clientOptions, domain: sim.mailgun.domain },
            resend: sim.resend,
          }),
        );
      } else {
        for (const text of describe(sim, base)) line(io.stdout, text);
      }
      await untilStopped(io);
    } finally {
      await sim.stop();
    }
    return 0;
  },
};
