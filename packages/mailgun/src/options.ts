import { RelayError } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import { z } from 'zod';
import type { Interfaces } from 'mailgun.js/definitions';

/** What the adapter needs of a mailgun.js client: a full `IMailgunClient` fits. */
export type MailgunClient = Pick<Interfaces.IMailgunClient, 'messages'>;

/** Where a Mailgun token is remembered for the replay guard; the relay's dedupe store by default. */
export interface ReplayStore {
  /** Records `key` for `ttlMs`; true when it was not already held (must be atomic). */
  remember(key: string, ttlMs: number): Promise<boolean>;
}

/** Mailgun's click tracking: on, off, or only in the HTML part. */
export type ClickTracking = boolean | 'htmlonly';

/** Webhook intake: Mailgun's HMAC-signed webhooks. */
export interface MailgunWebhookOptions {
  /**
   * The HTTP webhook signing key (Mailgun → Sending → Webhooks → HTTP webhook signing key), not
   * the API key. Several may be given while rotating: a request signed with any of them verifies.
   */
  signingKey?: string | readonly string[];
  /** Seconds a webhook's signed timestamp may differ from now, either way. @default 300 */
  toleranceSeconds?: number;
  /**
   * Where webhook tokens are remembered, so a signature block is honoured once. Defaults to the
   * relay's dedupe store (memory, or whatever store the relay was given).
   */
  replayStore?: ReplayStore;
  /**
   * Accept webhooks without checking their signature, timestamp or token. Only for a deployment
   * where something in front of the relay has verified them already.
   * @default false
   */
  dangerouslySkipVerification?: boolean;
}

/** Options of the `mailgun()` factory. */
export interface MailgunOptions {
  /** The relay's name for this provider. @default 'mailgun' */
  name?: string;
  /** A Mailgun API key (account key or domain sending key). Give this or `client`. */
  apiKey?: string;
  /**
   * A mailgun.js client you built yourself (`new Mailgun(FormData).client({...})`): used as it is,
   * with its own key, URL and timeout (drop-in).
   */
  client?: MailgunClient;
  /** The sending domain, e.g. `mg.example.com` (the `{domain}` of `/v3/{domain}/messages`). */
  domain: string;
  /** The region the domain lives in; EU domains answer 401/404 on the US endpoint. @default 'us' */
  region?: 'us' | 'eu';
  /**
   * The API origin, e.g. the simulator's URL; overrides `region`. Without `/v3`: the SDK adds it.
   * @default 'https://api.mailgun.net' ('https://api.eu.mailgun.net' for region 'eu')
   */
  baseUrl?: string;
  /**
   * How long one request to Mailgun may take; then it is abandoned as a timeout (transient) and
   * the relay retries or fails over. @default 15000 (core's defaultTimeoutMs)
   */
  timeoutMs?: number;
  /**
   * Webhook intake (`{ signingKey }`), or `false` for a send-only provider without a `webhook`
   * member. Required: a provider that takes webhooks must verify them.
   */
  webhook?: MailgunWebhookOptions | false;
  /** `o:testmode`: Mailgun accepts and reports messages but does not deliver them (still billed). @default false */
  testMode?: boolean;
  /** `o:tracking-opens`; absent: the domain's setting. */
  trackOpens?: boolean;
  /** `o:tracking-clicks`; absent: the domain's setting. */
  trackClicks?: ClickTracking;
  /** The `v:` variable that carries relaykit's message id. @default 'relaykit-message-id' */
  messageIdVariable?: string;
  /**
   * sendBatch sends messages that differ only in their single To recipient as one Mailgun batch
   * (recipient-variables, up to 1,000 a call). `false`: one call per message.
   * @default true
   */
  batch?: boolean;
  /** Parallel API calls in sendBatch. @default 8 */
  batchConcurrency?: number;
  /**
   * How many days ahead Mailgun holds a message (`o:deliverytime`): 3 by default, up to 7 on
   * plans that keep messages 7 days or more (Mailgun's "Scheduled delivery" documentation). A
   * later sendAt is held by relaykit's outbox instead.
   * @default 3
   */
  schedulingHorizonDays?: number;
}

/** Options after validation, with defaults applied. */
export interface ResolvedMailgunOptions {
  name: string;
  apiKey?: string;
  client?: MailgunClient;
  domain: string;
  baseUrl: string;
  timeoutMs: number;
  signingKeys: string[];
  toleranceSeconds: number;
  replayStore?: ReplayStore;
  webhooks: boolean;
  skipVerification: boolean;
  testMode: boolean;
  trackOpens?: boolean;
  trackClicks?: ClickTracking;
  messageIdVariable: string;
  batch: boolean;
  batchConcurrency: number;
  schedulingHorizonDays: number;
}

export const regionUrls = {
  us: 'https://api.mailgun.net',
  eu: 'https://api.eu.mailgun.net',
} as const;

const domainPattern =
  /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}$/u;

const schema = z
  .object({
    ...kit.adapterIdentity,
    client: kit.sdkClientOption<MailgunClient>(
      'messages.create',
      'a mailgun.js client (new Mailgun(FormData).client({ username: "api", key }))',
    ),
    domain: z
      .string({ message: 'domain is required: your Mailgun sending domain, e.g. mg.example.com' })
      .regex(
        domainPattern,
        'domain must be a bare domain name such as mg.example.com (no scheme, no path)',
      ),
    region: z.enum(['us', 'eu'], { message: "region must be 'us' or 'eu'" }).optional(),
    ...kit.httpOptions,
    webhook: kit.signedWebhookSchema({
      signingKey: z
        .union([
          z.string().min(1, 'signingKey is empty'),
          z.array(z.string().min(1, 'signingKey is empty')).min(1),
        ])
        .optional(),
      replayStore: kit.objectWith<ReplayStore>(
        'remember',
        'replayStore must have remember(key, ttlMs): Promise<boolean>',
      ),
    }),
    testMode: z.boolean().optional(),
    trackOpens: z.boolean().optional(),
    trackClicks: z.union([z.boolean(), z.literal('htmlonly')]).optional(),
    messageIdVariable: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]{1,64}$/u,
        'messageIdVariable may use only ASCII letters, digits, _ and - (at most 64)',
      )
      .optional(),
    batch: z.boolean().optional(),
    batchConcurrency: z.number().int().min(1).max(64).optional(),
    schedulingHorizonDays: z
      .number()
      .min(0, 'schedulingHorizonDays is 0 (no native scheduling) to 7')
      .max(7, 'Mailgun schedules at most 7 days ahead (3 unless your plan keeps messages longer)')
      .optional(),
  })
  .strict();

const config = (message: string) =>
  new RelayError({ kind: 'config', provider: 'mailgun', message });

/** Validates the factory options; every fault is a RelayError of kind 'config' saying what to do. */
export function resolveOptions(input: unknown): ResolvedMailgunOptions {
  const parsed = {
    data: kit.parseFactoryOptions(schema, input, 'mailgun', {
      timeout: 'timeoutMs',
      url: 'baseUrl',
      concurrency: 'batchConcurrency',
      webhooks: 'webhook (false for a send-only provider)',
      webhookSigningKey: 'webhook.signingKey',
      webhookToleranceSeconds: 'webhook.toleranceSeconds',
      webhookReplayStore: 'webhook.replayStore',
      dangerouslySkipWebhookVerification: 'webhook.dangerouslySkipVerification',
    }),
  };
  const o = parsed.data;
  kit.checkCredentials(
    o,
    {
      key: 'apiKey',
      missing:
        'give apiKey (e.g. process.env.MAILGUN_API_KEY) or client (a mailgun.js client you built)',
      clientKeeps: ['apiKey', 'baseUrl', 'region', 'timeoutMs'],
      both: 'give either client, or apiKey with region/baseUrl/timeoutMs, not both: a client you built keeps its own key, URL and timeout',
    },
    config,
  );
  if (o.baseUrl?.replace(/\/+$/u, '').endsWith('/v3')) {
    throw config(
      'baseUrl must not end in /v3: mailgun.js adds /v3/{domain}/messages itself (give e.g. https://api.eu.mailgun.net)',
    );
  }
  const hook = kit.signedWebhookOption(o.webhook, 'signingKey', () =>
    config(
      'webhook.signingKey is missing: pass webhook: { signingKey } with the HTTP webhook signing key (Mailgun → Sending → Webhooks; not the API key), or webhook: false for a send-only provider',
    ),
  );
  const resolved: ResolvedMailgunOptions = {
    name: o.name ?? 'mailgun',
    domain: o.domain.toLowerCase(),
    baseUrl: (o.baseUrl ?? regionUrls[o.region ?? 'us']).replace(/\/+$/u, ''),
    timeoutMs: o.timeoutMs ?? kit.defaultTimeoutMs,
    signingKeys: hook.keys.map((k) => k.trim()),
    toleranceSeconds: hook.toleranceSeconds,
    webhooks: hook.webhooks,
    skipVerification: hook.skipVerification,
    testMode: o.testMode ?? false,
    messageIdVariable: o.messageIdVariable ?? 'relaykit-message-id',
    batch: o.batch ?? true,
    batchConcurrency: o.batchConcurrency ?? 8,
    schedulingHorizonDays: o.schedulingHorizonDays ?? 3,
  };
  if (o.apiKey !== undefined) resolved.apiKey = o.apiKey;
  if (o.client !== undefined) resolved.client = o.client;
  if (o.webhook && o.webhook.replayStore !== undefined)
    resolved.replayStore = o.webhook.replayStore;
  if (o.trackOpens !== undefined) resolved.trackOpens = o.trackOpens;
  if (o.trackClicks !== undefined) resolved.trackClicks = o.trackClicks;
  return resolved;
}
