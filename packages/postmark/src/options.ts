import { RelayError } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import type { ServerClient } from 'postmark';
import { z } from 'zod';

/** Postmark's link tracking modes (`TrackLinks`). */
export const trackLinksModes = ['None', 'HtmlAndText', 'HtmlOnly', 'TextOnly'] as const;
export type TrackLinks = (typeof trackLinksModes)[number];

/** The part of the SDK's ServerClient the adapter calls; any ServerClient (or a compatible object) fits. */
/** The calls relaykit makes; the template ones are needed only for templated messages. */
export type PostmarkClient = Pick<ServerClient, 'sendEmail' | 'sendEmailBatch'> &
  Partial<Pick<ServerClient, 'sendEmailWithTemplate' | 'sendEmailBatchWithTemplates'>>;

/** The default shared-secret header name (`webhook.secretHeader.name`). */
export const defaultSecretHeader = 'X-Relaykit-Webhook-Secret';

/** The Postmark message stream every relaykit stream goes to unless `messageStreams` says otherwise. */
export const defaultMessageStream = 'outbound';

export interface PostmarkWebhookOptions {
  /**
   * HTTP Basic credentials Postmark sends as `Authorization: Basic …` (from the webhook's URL,
   * `https://user:pass@host/path`, or its HttpAuth setting).
   */
  basicAuth?: { username: string; password: string };
  /** A shared-secret header added in the webhook's custom headers. */
  secretHeader?: { name?: string; value: string };
  /**
   * Accept webhooks without any check. Anyone who finds the URL can then forge bounces and
   * complaints (and so suppress addresses); use it only behind a network allowlist.
   */
  dangerouslySkipVerification?: boolean;
}

export interface PostmarkOptions {
  /** The relay's name for this provider. @default 'postmark' */
  name?: string;
  /** The server API token (X-Postmark-Server-Token). Give this or `client`. */
  serverToken?: string;
  /** A ServerClient you built yourself (drop-in); `serverToken`, `baseUrl` and `timeoutMs` are then ignored. */
  client?: PostmarkClient;
  /** Where the API lives, e.g. 'http://127.0.0.1:4568' for a local simulator. @default 'https://api.postmarkapp.com' */
  baseUrl?: string;
  /**
   * How long one request to Postmark may take; then it is abandoned as a timeout (transient) and
   * the relay retries or fails over. @default 15000 (core's defaultTimeoutMs)
   */
  timeoutMs?: number;
  /** The Postmark MessageStream for messages whose relaykit stream is not in `messageStreams`. @default 'outbound' */
  messageStream?: string;
  /** relaykit stream name → Postmark MessageStream id, e.g. `{ outreach: 'broadcast' }`. */
  messageStreams?: Record<string, string>;
  /** Postmark open tracking (`TrackOpens`); unset leaves the server's default. */
  trackOpens?: boolean;
  /** Postmark link tracking (`TrackLinks`); unset leaves the server's default. */
  trackLinks?: TrackLinks;
  /** Webhook intake. `false` (or absent): the provider sends only and has no webhook. */
  webhook?: PostmarkWebhookOptions | false;
}

const nonEmpty = z.string().trim().min(1);

const clientSchema = z.custom<PostmarkClient>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Record<string, unknown>)['sendEmail'] === 'function' &&
    typeof (v as Record<string, unknown>)['sendEmailBatch'] === 'function',
  { message: 'must be a postmark ServerClient (an object with sendEmail and sendEmailBatch)' },
);

const webhookSchema = z
  .object({
    basicAuth: z
      .object({
        username: nonEmpty.refine((u) => !u.includes(':'), 'must not contain a colon (RFC 7617)'),
        password: nonEmpty,
      })
      .strict()
      .optional(),
    secretHeader: z
      .object({
        name: z
          .string()
          .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/u, 'must be an HTTP header name')
          .optional(),
        value: nonEmpty,
      })
      .strict()
      .optional(),
    dangerouslySkipVerification: z.boolean().optional(),
  })
  .strict();

const optionsSchema = z
  .object({
    name: nonEmpty.optional(),
    serverToken: nonEmpty.optional(),
    client: clientSchema.optional(),
    baseUrl: z.url({ protocol: /^https?$/u }).optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    messageStream: nonEmpty.optional(),
    messageStreams: z.record(nonEmpty, nonEmpty).optional(),
    trackOpens: z.boolean().optional(),
    trackLinks: z.enum(trackLinksModes).optional(),
    webhook: z.union([z.literal(false), webhookSchema]).optional(),
  })
  .strict();

export interface ResolvedWebhookAuth {
  basic?: { username: string; password: string };
  header?: { name: string; value: string };
  skip: boolean;
}

export interface ResolvedOptions {
  name: string;
  serverToken?: string;
  client?: PostmarkClient;
  baseUrl?: URL;
  timeoutMs: number;
  messageStream: string;
  messageStreams: Record<string, string>;
  trackOpens?: boolean;
  trackLinks?: TrackLinks;
  webhook?: ResolvedWebhookAuth;
}

function configError(message: string): RelayError {
  return new RelayError({ kind: 'config', provider: 'postmark', message });
}

/**
 * Validates the factory options. A fault is a RelayError of kind 'config' naming the option and
 * what to do; values are never echoed, so a token pasted in the wrong place stays out of logs.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  const parsed = { data: kit.parseFactoryOptions(optionsSchema, input, 'postmark') };
  const o = parsed.data;
  kit.checkCredentials(
    o,
    {
      key: 'serverToken',
      missing:
        "postmark(): give serverToken (the server API token from the Postmark server's API Tokens tab) or client (a ServerClient)",
    },
    configError,
  );
  const resolved: ResolvedOptions = {
    name: o.name ?? 'postmark',
    timeoutMs: o.timeoutMs ?? kit.defaultTimeoutMs,
    messageStream: o.messageStream ?? defaultMessageStream,
    messageStreams: o.messageStreams ?? {},
  };
  if (o.client !== undefined) resolved.client = o.client;
  if (o.serverToken !== undefined) resolved.serverToken = o.serverToken;
  if (o.baseUrl !== undefined) resolved.baseUrl = new URL(o.baseUrl);
  if (o.trackOpens !== undefined) resolved.trackOpens = o.trackOpens;
  if (o.trackLinks !== undefined) resolved.trackLinks = o.trackLinks;
  if (o.webhook !== undefined && o.webhook !== false) {
    const w = o.webhook;
    const auth: ResolvedWebhookAuth = { skip: w.dangerouslySkipVerification === true };
    if (w.basicAuth)
      auth.basic = { username: w.basicAuth.username, password: w.basicAuth.password };
    if (w.secretHeader)
      auth.header = {
        name: w.secretHeader.name ?? defaultSecretHeader,
        value: w.secretHeader.value,
      };
    if (!auth.skip && !auth.basic && !auth.header) {
      throw configError(
        'postmark(): webhook needs basicAuth ({ username, password }, the credentials in the webhook URL) or secretHeader ({ name, value }, a custom header on the webhook); Postmark does not sign webhooks',
      );
    }
    if (auth.skip && (auth.basic || auth.header)) {
      throw configError(
        'postmark(): webhook.dangerouslySkipVerification cannot be combined with basicAuth or secretHeader; remove one',
      );
    }
    resolved.webhook = auth;
  }
  return resolved;
}
