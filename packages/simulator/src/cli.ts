import { parseArgs } from 'node:util';
import type { SimulatorOptions } from './options.ts';
import { startSimulator, type Simulator } from './simulator.ts';
import { PROVIDERS, type ProviderName } from './types.ts';

const USAGE = `relaykit simulate [options]
  --host <host>                 listen address (default 127.0.0.1)
  --port <port>                 port (default 4010; 0 = any free port)
  --seed <seed>                 seed of behaviour and ids (default relaykit)
  --webhook-url <url>           post every provider's webhooks here
  --<provider>-webhook-url <url>  per provider: ses, postmark, mailgun, resend
  --latency <ms>                response latency of every endpoint
  --sns-signature-version <1|2> SNS signature version (default 1)
  --duplicates                  post every webhook twice
  --out-of-order                post each message's events in reverse order
  --sent-events                 also post accepted/sent events`;

/**
 * Starts a simulator from command-line arguments and prints its endpoints and credentials as JSON.
 * The caller owns the process (signals, exit); `relaykit simulate` and bin.ts wrap this.
 */
export async function runSimulatorCli(
  argv: readonly string[],
  write: (line: string) => void = (l) => void process.stdout.write(`${l}\n`),
): Promise<Simulator | undefined> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      'webhook-url': { type: 'string' },
      'ses-webhook-url': { type: 'string' },
      'postmark-webhook-url': { type: 'string' },
      'mailgun-webhook-url': { type: 'string' },
      'resend-webhook-url': { type: 'string' },
      latency: { type: 'string' },
      'sns-signature-version': { type: 'string' },
      duplicates: { type: 'boolean' },
      'out-of-order': { type: 'boolean' },
      'sent-events': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    write(USAGE);
    return undefined;
  }
  const urls: Partial<Record<ProviderName, string>> = {};
  for (const p of PROVIDERS) {
    const u = values[`${p}-webhook-url`];
    if (u) urls[p] = u;
  }
  const version = values['sns-signature-version'];
  if (version !== undefined && version !== '1' && version !== '2') {
    throw new Error('[relaykit] [simulator] --sns-signature-version must be 1 or 2.');
  }
  const port = Number(values.port ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('[relaykit] [simulator] --port must be an integer between 0 and 65535.');
  const options: SimulatorOptions = {
    host: values.host ?? '127.0.0.1',
    port,
    ...(values.seed !== undefined ? { seed: values.seed } : {}),
    ...(values.latency !== undefined ? { latencyMs: Number(values.latency) } : {}),
    webhooks: {
      ...(values['webhook-url'] ? { url: values['webhook-url'] } : {}),
      urls,
      ...(version ? { snsSignatureVersion: version } : {}),
      duplicates: values.duplicates ?? false,
      outOfOrder: values['out-of-order'] ?? false,
      sentEvents: values['sent-events'] ?? false,
    },
  };
  const sim = await startSimulator(options);
  // Credentials are the simulator's own fixed test values, not secrets, so printing them is the point.
  write(
    JSON.stringify(
      {
        url: sim.url,
        ses: {
          endpoint: sim.ses.endpoint,
          region: sim.ses.region,
          credentials: sim.ses.credentials,
          topicArn: sim.ses.topicArn,
          signingCertUrl: sim.ses.signingCertUrl,
        },
        postmark: {
          serverToken: sim.postmark.serverToken,
          requestHost: sim.postmark.requestHost,
          useHttps: false,
        },
        mailgun: {
          url: sim.mailgun.url,
          username: 'api',
          key: sim.mailgun.apiKey,
          domain: sim.mailgun.domain,
          webhookSigningKey: sim.mailgun.webhookSigningKey,
        },
        resend: {
          baseUrl: sim.resend.baseUrl,
          apiKey: sim.resend.apiKey,
          webhookSecret: sim.resend.webhookSecret,
        },
      },
      null,
      2,
    ),
  );
  write(`[relaykit] [simulator] listening on ${sim.url}`);
  return sim;
}
