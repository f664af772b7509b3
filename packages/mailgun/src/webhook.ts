import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  classifyBounce,
  normalizeDomain,
  parseAddress,
  parseSmtpReply,
  RelayError,
  type BounceInfo,
  type DeliveryEvent,
  type DeliveryEventType,
  type ProviderWebhook,
  type WebhookContext,
  type WebhookRequest,
} from '@relaykit/core';
import { z } from 'zod';
import { batchMemberId, internalVariables, normalizeMessageId } from './convert.ts';
import type { ReplayStore } from './options.ts';

export interface MailgunWebhookOptions {
  /** The relay's name for the provider. */
  provider: string;
  /** Webhook signing keys; any one of them may have signed. */
  keys: readonly string[];
  toleranceSeconds: number;
  skipVerification: boolean;
  messageIdVariable: string;
  /** Where tokens are remembered; the relay's dedupe store (context.remember) when absent. */
  replayStore?: ReplayStore;
}

export interface MailgunSignature {
  timestamp: string;
  token: string;
  signature: string;
}

/** Mailgun's `event-data.event` values and what each becomes (`failed` depends on severity and reason). */
export const eventTypes: Readonly<Record<string, DeliveryEventType>> = {
  accepted: 'accepted',
  delivered: 'delivered',
  rejected: 'rejected',
  complained: 'complained',
  unsubscribed: 'unsubscribed',
  opened: 'opened',
  clicked: 'clicked',
};

/** `failed` + permanent with these reasons: Mailgun refused because the address is on its own list. */
const suppressReasons = new Set(['suppress-bounce', 'suppress-complaint', 'suppress-unsubscribe']);

/** delivery-status codes that are Mailgun's own, not SMTP replies (498 no MX, 499 no connection, 6xx lists). */
const mailgunOwnCode = (code: number) => code === 498 || code === 499 || code >= 600;

const signatureSchema = z.object({
  timestamp: z.union([z.string(), z.number()]).transform(String),
  token: z.string().min(1).max(1000),
  signature: z.string().max(1000),
});

const bodySchema = z.object({
  signature: z.unknown().optional(),
  'event-data': z.record(z.string(), z.unknown()),
});

const authError = (provider: string, message: string) =>
  new RelayError({ kind: 'auth', provider, message: `webhook ${message}` });
const invalid = (provider: string, message: string, cause?: unknown) =>
  new RelayError({
    kind: 'invalid',
    provider,
    message: `unreadable webhook: ${message}`,
    ...(cause === undefined ? {} : { cause }),
  });

const digestOf = (body: string) => createHash('sha256').update(body).digest('base64url');

/** Hex HMAC-SHA256 of `timestamp + token` with the webhook signing key: Mailgun's signature. */
export function signMailgun(key: string, timestamp: string, token: string): string {
  return createHmac('sha256', key)
    .update(timestamp + token)
    .digest('hex');
}

function readJson(request: WebhookRequest, provider: string): unknown {
  try {
    return JSON.parse(request.body) as unknown;
  } catch (error) {
    throw invalid(
      provider,
      'the body is not JSON (configure the webhook for JSON payloads)',
      error,
    );
  }
}

function readSignature(body: unknown, provider: string): MailgunSignature {
  const block =
    typeof body === 'object' && body !== null
      ? (body as { signature?: unknown }).signature
      : undefined;
  const parsed = signatureSchema.safeParse(block);
  if (!parsed.success)
    throw authError(
      provider,
      'has no Mailgun signature block (signature.timestamp, token, signature)',
    );
  return parsed.data;
}

/**
 * Checks Mailgun's signature block: the hex HMAC-SHA256 of timestamp + token under one of the
 * keys, compared in constant time, and a timestamp within `toleranceSeconds` of now either way.
 * Throws a RelayError of kind 'auth' saying what failed (never the key).
 */
export function verifyMailgunSignature(
  signature: MailgunSignature,
  options: Pick<MailgunWebhookOptions, 'provider' | 'keys' | 'toleranceSeconds'>,
  nowMs: number,
): void {
  const { provider } = options;
  if (!/^\d{1,12}$/u.test(signature.timestamp))
    throw authError(provider, 'timestamp is not a number of seconds');
  const skew = Math.abs(nowMs / 1000 - Number(signature.timestamp));
  if (skew > options.toleranceSeconds) {
    throw authError(
      provider,
      `timestamp is ${Math.round(skew)} s away from now (tolerance ${options.toleranceSeconds} s): stale or replayed`,
    );
  }
  const given = /^[0-9a-f]{64}$/iu.test(signature.signature)
    ? Buffer.from(signature.signature, 'hex')
    : undefined;
  if (!given) throw authError(provider, 'signature is not a hex HMAC-SHA256');
  const ok = options.keys.some((key) =>
    timingSafeEqual(
      Buffer.from(signMailgun(key, signature.timestamp, signature.token), 'hex'),
      given,
    ),
  );
  if (!ok)
    throw authError(
      provider,
      'signature does not match; check webhookSigningKey (the HTTP webhook signing key, not the API key)',
    );
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && /^\d+(\.\d+)?$/u.test(v)
      ? Number(v)
      : undefined;
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** A recipient as relaykit keys it: the local part as given, the domain in lower-case ASCII. */
function normalizeRecipient(value: string): string | undefined {
  try {
    return parseAddress(value.trim()).address;
  } catch {
    const at = value.lastIndexOf('@');
    if (at <= 0) return undefined;
    const domain = normalizeDomain(value.slice(at + 1));
    return domain === '' ? undefined : `${value.slice(0, at).trim()}@${domain}`;
  }
}

function bounceOf(data: Record<string, unknown>): BounceInfo {
  const status = obj(data['delivery-status']);
  const code = num(status['code']);
  const smtpStatus =
    code !== undefined &&
    Number.isInteger(code) &&
    code >= 200 &&
    code < 600 &&
    !mailgunOwnCode(code)
      ? code
      : undefined;
  // A `rejected` event says why in `reject` rather than `delivery-status`.
  const reject = obj(data['reject']);
  const diagnostic =
    [
      str(status['message']),
      str(status['description']),
      str(reject['reason']),
      str(reject['description']),
    ]
      .filter((s): s is string => s !== undefined)
      .join(' ')
      .trim() || undefined;
  const enhancedGiven = str(status['enhanced-code']);
  const enhancedStatus =
    enhancedGiven ?? (diagnostic === undefined ? undefined : parseSmtpReply(diagnostic).enhanced);
  const severity = str(data['severity']);
  const reason = str(data['reason']);
  const c = classifyBounce({
    ...(smtpStatus === undefined ? {} : { smtpStatus }),
    ...(enhancedStatus === undefined ? {} : { enhancedStatus }),
    ...(diagnostic === undefined ? {} : { diagnostic }),
    hint: {
      provider: 'mailgun',
      ...(severity === undefined ? {} : { type: severity, permanent: severity === 'permanent' }),
      ...(reason === undefined ? {} : { subType: reason }),
    },
  });
  return {
    class: c.class,
    category: c.category,
    ...(smtpStatus === undefined ? {} : { smtpStatus }),
    ...(enhancedStatus === undefined ? {} : { enhancedStatus }),
    ...(diagnostic === undefined ? {} : { diagnostic }),
  };
}

function typeOf(event: string, data: Record<string, unknown>): DeliveryEventType {
  if (event === 'failed') {
    const severity = str(data['severity']);
    if (severity === 'temporary') return 'deferred';
    return suppressReasons.has(str(data['reason']) ?? '') ? 'suppressed' : 'bounced';
  }
  return eventTypes[event] ?? 'unknown';
}

function stringValues(
  vars: Record<string, unknown>,
  skip: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (skip.has(key) || value === null || value === undefined) continue;
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

function tagsOf(data: Record<string, unknown>, vars: Record<string, unknown>): string[] {
  const tags = Array.isArray(data['tags'])
    ? data['tags'].filter((t): t is string => typeof t === 'string')
    : [];
  const all = str(vars[internalVariables.tags]);
  if (all !== undefined) {
    try {
      const parsed = JSON.parse(all) as unknown;
      if (Array.isArray(parsed)) for (const t of parsed) if (typeof t === 'string') tags.push(t);
    } catch {
      // Not relaykit's list after all; the o:tag values stand.
    }
  }
  // Mailgun lower-cases tags; relaykit's own list keeps the case they were sent with.
  const seen = new Set<string>();
  return tags.filter((t) =>
    seen.has(t.toLowerCase()) ? false : (seen.add(t.toLowerCase()), true),
  );
}

/**
 * Turns a verified Mailgun JSON webhook into DeliveryEvents (one: Mailgun posts one event per
 * request). Pure. Throws a RelayError of kind 'invalid' when the body cannot be read; an event
 * without a recipient (inbound `stored`, list events) yields nothing.
 */
export function parseMailgunEvents(
  body: unknown,
  options: Pick<MailgunWebhookOptions, 'provider' | 'messageIdVariable'>,
): DeliveryEvent[] {
  const { provider } = options;
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success)
    throw invalid(provider, 'expected a JSON object with event-data (Mailgun webhooks since 2018)');
  const data = parsed.data['event-data'];
  const event = str(data['event']);
  if (event === undefined) throw invalid(provider, 'event-data.event is missing');
  const recipientRaw = str(data['recipient']);
  const recipient = recipientRaw === undefined ? undefined : normalizeRecipient(recipientRaw);
  if (recipient === undefined) {
    if (eventTypes[event] !== undefined || event === 'failed')
      throw invalid(
        provider,
        `event-data.recipient is missing or not an address on a '${event}' event`,
      );
    return [];
  }
  const signature = obj(parsed.data.signature);
  const id = str(data['id']) ?? str(signature['token']);
  if (id === undefined) throw invalid(provider, 'event-data.id is missing');
  const seconds = num(data['timestamp']) ?? num(signature['timestamp']);
  const at = seconds === undefined ? undefined : new Date(Math.round(seconds * 1000));
  if (at === undefined || Number.isNaN(at.getTime()))
    throw invalid(provider, 'event-data.timestamp is missing');

  const vars = obj(data['user-variables']);
  const message = obj(data['message']);
  const headers = obj(message['headers']);
  const type = typeOf(event, data);
  const out: DeliveryEvent = {
    id: `${event}:${id}`,
    type,
    provider,
    recipient,
    at,
    tags: tagsOf(data, vars),
    metadata: stringValues(
      vars,
      new Set([options.messageIdVariable, ...Object.values(internalVariables)]),
    ),
    raw: data,
  };
  const relayId = str(vars[options.messageIdVariable]);
  // An unresolved batch placeholder names no message: the ledger finds it by providerMessageId.
  if (relayId !== undefined && !relayId.includes('%recipient')) out.messageId = relayId;
  const mailgunId = str(headers['message-id']);
  if (mailgunId !== undefined) {
    out.providerMessageId =
      vars[internalVariables.batch] === undefined
        ? normalizeMessageId(mailgunId)
        : batchMemberId(mailgunId, recipient);
  }
  const stream = str(vars[internalVariables.stream]);
  if (stream !== undefined) out.stream = stream;
  const sender = str(obj(data['envelope'])['sender']) ?? str(headers['from']);
  const from =
    sender === undefined
      ? undefined
      : normalizeRecipient(
          sender.includes('<') ? (/<([^<>]+)>/u.exec(sender)?.[1] ?? sender) : sender,
        );
  if (from !== undefined) out.from = from;
  if (type === 'bounced' || type === 'deferred' || type === 'suppressed' || type === 'rejected')
    out.bounce = bounceOf(data);
  const url = str(data['url']);
  if (url !== undefined) out.url = url;
  const userAgent = str(obj(data['client-info'])['user-agent']);
  if (userAgent !== undefined) out.userAgent = userAgent;
  return [out];
}

/**
 * The Provider's `webhook` member. `verify` checks the signature and timestamp first: a request
 * that fails them never reaches the token store. Then the token: Mailgun signs only
 * timestamp + token, never the body, so each signature block is honoured for the body that first
 * claimed it, and for one exact repeat of those bytes (a redelivery after a failed first attempt;
 * its events carry the ids already recorded, so the relay's event dedupe records nothing twice).
 * The same token with other bytes is a forgery on a captured signature: refused (401), however
 * often it is sent.
 */
export function mailgunWebhook(options: MailgunWebhookOptions): ProviderWebhook {
  return {
    async verify(request: WebhookRequest, context: WebhookContext) {
      if (options.skipVerification) return;
      const body = readJson(request, options.provider);
      const signature = readSignature(body, options.provider);
      verifyMailgunSignature(signature, options, context.now());
      // Remembered past the window on both sides, so a token is never honoured twice.
      const ttlMs = (options.toleranceSeconds * 2 + 60) * 1000;
      const remember = (key: string) =>
        options.replayStore
          ? options.replayStore.remember(key, ttlMs)
          : context.remember(key, ttlMs);
      const token = `mailgun:${options.provider}:token:${signature.token}`;
      // The first body to claim the token owns it, and that claim is marked with its digest.
      if (await remember(token)) {
        await remember(`${token}:body:${digestOf(request.body)}`);
        return;
      }
      // A store can only answer "was it new" by recording the key, so asking whether these bytes
      // own the token records something. The probe key is recorded first: a body asking a second
      // time finds it held and is refused, so a forged body never passes by being sent twice.
      // The owner's bytes are honoured once more (a provider redelivery within the window).
      const digest = digestOf(request.body);
      const asked = await remember(`${token}:asked:${digest}`);
      if (asked && !(await remember(`${token}:body:${digest}`))) return;
      throw authError(
        options.provider,
        asked
          ? 'token was already used with another body: a replayed signature'
          : 'token was already used: a replayed signature',
      );
    },
    async parse(request: WebhookRequest) {
      return { events: parseMailgunEvents(readJson(request, options.provider), options) };
    },
  };
}
