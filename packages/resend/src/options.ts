import { RelayError } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import type { Resend } from 'resend';
import { z } from 'zod';

/** Webhook intake: Resend's Svix-signed webhooks. */
export interface ResendWebhookOptions {
  /**
   * The webhook signing secret(s) from the Resend dashboard (`whsec_...`). Several may be given
   * while rotating: a request signed with any of them verifies.
   */
  secret?: string | readonly string[];
  /** Seconds a webhook's `svix-timestamp` may differ from now. @default 300 */
  toleranceSeconds?: number;
  /**
   * Accept webhooks without checking their Svix signature. Only for a deployment where something
   * in front of the relay has verified them already; anyone can forge events otherwise.
   * @default false
   */
  dangerouslySkipVerification?: boolean;
}

/** The old option names, each refused with an error naming its replacement. */
const renamed = {
  webhooks: 'webhook (false for a send-only provider)',
  webhookSecret: 'webhook.secret',
  webhookToleranceSeconds: 'webhook.toleranceSeconds',
  dangerouslySkipWebhookVerification: 'webhook.dangerouslySkipVerification',
};

/** Options of the `resend()` factory. */
export interface ResendOptions {
  /** The relay's name for this provider. @default 'resend' */
  name?: string;
  /** A Resend API key (`re_...`). Give this or `client`. */
  apiKey?: string;
  /** A `Resend` client you built yourself (drop-in); its key and base URL are used as they are. */
  client?: Resend;
  /**
   * The API origin, e.g. the simulator's `http://127.0.0.1:4010/resend`. Passed to the SDK's
   * `baseUrl` constructor option (never through `process.env.RESEND_BASE_URL`).
   * @default 'https://api.resend.com'
   */
  baseUrl?: string;
  /**
   * How long one request to Resend may take; then it is abandoned as a timeout (transient) and the
   * relay retries or fails over. @default 15000 (core's defaultTimeoutMs)
   */
  timeoutMs?: number;
  /**
   * Webhook intake (`{ secret }`), or `false` for a send-only provider without a `webhook` member.
   * Required: a provider that takes webhooks must verify them.
   */
  webhook?: ResendWebhookOptions | false;
  /**
   * Send one copy per recipient (To, Cc and Bcc each get their own message addressed to them
   * alone), so every Resend event names exactly one recipient.
   * @default false
   */
  splitRecipients?: boolean;
  /**
   * The Resend tag that carries relaykit's message id, so webhook events find their message.
   * @default 'relaykit_message_id'
   */
  messageIdTag?: string;
}

/** Options after validation, with defaults applied. */
export interface ResolvedResendOptions {
  name: string;
  apiKey?: string;
  client?: Resend;
  baseUrl?: string;
  timeoutMs: number;
  /** Raw HMAC keys, decoded from the `whsec_` secrets. */
  webhookKeys: Buffer[];
  webhookToleranceSeconds: number;
  webhooks: boolean;
  skipVerification: boolean;
  splitRecipients: boolean;
  messageIdTag: string;
}

const tagName = /^[A-Za-z0-9_-]{1,256}$/u;

const schema = z
  .object({
    ...kit.adapterIdentity,
    client: kit.sdkClientOption<Resend>('emails.send', 'a Resend instance (new Resend(apiKey))'),
    ...kit.httpOptions,
    webhook: kit.signedWebhookSchema({
      secret: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    }),
    splitRecipients: z.boolean().optional(),
    messageIdTag: z
      .string()
      .regex(tagName, 'messageIdTag may use only ASCII letters, digits, _ and - (at most 256)')
      .optional(),
  })
  .strict();

const config = (message: string, cause?: unknown) =>
  new RelayError({
    kind: 'config',
    provider: 'resend',
    message,
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * Decodes a Svix signing secret (`whsec_<base64>`, or the bare base64) into its HMAC key. The
 * secret itself never appears in an error.
 */
export function decodeWebhookSecret(secret: string, index = 0): Buffer {
  const body = secret.trim().replace(/^whsec_/u, '');
  const label = `webhook.secret${index > 0 ? `[${index}]` : ''}`;
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/u.test(body)) {
    throw config(
      `${label} is not a Resend signing secret; copy the whsec_... value from Resend → Webhooks → your endpoint → Signing secret`,
    );
  }
  const key = Buffer.from(body, 'base64');
  if (key.length === 0)
    throw config(`${label} decodes to an empty key; copy the whole whsec_... value`);
  return key;
}

/** Validates the factory options; every fault is a RelayError of kind 'config' saying what to do. */
export function resolveOptions(input: unknown): ResolvedResendOptions {
  const parsed = { data: kit.parseFactoryOptions(schema, input, 'resend', renamed) };
  const o = parsed.data;
  kit.checkCredentials(
    o,
    {
      key: 'apiKey',
      missing:
        'give apiKey (e.g. process.env.RESEND_API_KEY) or client (a Resend instance you built)',
      clientKeeps: ['apiKey', 'baseUrl'],
      both: 'give either client, or apiKey and baseUrl, not both: a client you built keeps its own key and base URL',
    },
    config,
  );
  const hook = kit.signedWebhookOption(o.webhook, 'secret', () =>
    config(
      'webhook.secret is missing: pass webhook: { secret } with the whsec_... signing secret of your Resend webhook endpoint, or webhook: false for a send-only provider',
    ),
  );
  const resolved: ResolvedResendOptions = {
    name: o.name ?? 'resend',
    timeoutMs: o.timeoutMs ?? kit.defaultTimeoutMs,
    webhookKeys: hook.keys.map((s, i) => decodeWebhookSecret(s, i)),
    webhookToleranceSeconds: hook.toleranceSeconds,
    webhooks: hook.webhooks,
    skipVerification: hook.skipVerification,
    splitRecipients: o.splitRecipients ?? false,
    messageIdTag: o.messageIdTag ?? 'relaykit_message_id',
  };
  if (o.apiKey !== undefined) resolved.apiKey = o.apiKey;
  if (o.client !== undefined) resolved.client = o.client;
  // The SDK concatenates base URL and path, so a trailing slash would give `//emails`.
  if (o.baseUrl !== undefined) resolved.baseUrl = o.baseUrl.replace(/\/+$/u, '');
  return resolved;
}
