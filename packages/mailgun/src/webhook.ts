import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { RelayError } from '@relaykit/core';
import type { BounceInfo, DeliveryEvent, DeliveryEventType } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import { z } from 'zod';
import { batchMemberId, internalVariables, normalizeMessageId } from './convert.ts';
import type { ReplayStore } from './options.ts';
import { mailgunBounceHints } from './bounce-hints.ts';

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

// One-shot `crypto.hash` (Node 20.12+): no Hash object per request, half the cost of
// createHash().update().digest() on a webhook body (nodejs.org/api/crypto.html#cryptohashalgorithm-data-outputencoding).
const digestOf = (body: string) => hash('sha256', body, 'base64url');

/**
 * A JSON object as JSON.parse makes it, whose fields can be read as they are: what the zod schemas
 * below accept and copy unchanged. Anything else (an own `__proto__` or `constructor` key, another
 * prototype) goes through the schema.
 */
const plainJson = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  Object.getPrototypeOf(value) === Object.prototype &&
  !Object.hasOwn(value, '__proto__') &&
  !Object.hasOwn(value, 'constructor');

/** Hex HMAC-SHA256 of `timestamp + token` with the webhook signing key: Mailgun's signature. */
export function signMailgun(key: string, timestamp: string, token: string): string {
  return createHmac('sha256', key)
    .update(timestamp + token)
    .digest('hex');
}

/** A request body as Mailgun posts it: JSON for webhooks since 2018, form fields for routes and legacy hooks. */
type Body = { kind: 'json'; value: unknown } | { kind: 'form'; fields: FormData };

const isForm = (request: kit.WebhookRequest) =>
  /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\b/iu.test(
    request.headers.get('content-type') ?? '',
  );

/** The body read as JSON, or as the form fields of a form post. */
async function readBody(request: kit.WebhookRequest, provider: string): Promise<Body> {
  if (isForm(request)) {
    try {
      const fields = await new Response(request.body, {
        headers: { 'content-type': request.headers.get('content-type') ?? '' },
      }).formData();
      return { kind: 'form', fields };
    } catch (error) {
      throw invalid(provider, 'the form body cannot be read', error);
    }
  }
  try {
    return { kind: 'json', value: JSON.parse(request.body) as unknown };
  } catch (error) {
    throw invalid(
      provider,
      'the body is not JSON (configure the webhook for JSON payloads)',
      error,
    );
  }
}

const field = (fields: FormData, name: string) => {
  const value = fields.get(name);
  return typeof value === 'string' ? value : undefined;
};

function readSignature(body: Body, provider: string): MailgunSignature {
  // Route posts and legacy webhooks carry the same three values as top-level form fields.
  const block =
    body.kind === 'form'
      ? {
          timestamp: field(body.fields, 'timestamp'),
          token: field(body.fields, 'token'),
          signature: field(body.fields, 'signature'),
        }
      : typeof body.value === 'object' && body.value !== null
        ? (body.value as { signature?: unknown }).signature
        : undefined;
  return signatureOf(block, provider);
}

/**
 * The signature block as signatureSchema reads it. `schemaOnly` skips the plain-JSON fast read
 * (what webhook.properties.test.ts compares the fast read against).
 */
export function signatureOf(
  block: unknown,
  provider: string,
  schemaOnly = false,
): MailgunSignature {
  // signatureSchema's own reading, without building a parse per request for the usual block.
  if (!schemaOnly && plainJson(block)) {
    const { timestamp, token, signature } = block;
    if (
      (typeof timestamp === 'string' ||
        (typeof timestamp === 'number' && Number.isFinite(timestamp))) &&
      typeof token === 'string' &&
      token.length >= 1 &&
      token.length <= 1000 &&
      typeof signature === 'string' &&
      signature.length <= 1000
    )
      return { timestamp: String(timestamp), token, signature };
  }
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
  const signed = signature.timestamp + signature.token;
  const ok = options.keys.some((key) =>
    timingSafeEqual(createHmac('sha256', key).update(signed).digest(), given),
  );
  if (!ok)
    throw authError(
      provider,
      'signature does not match; check webhook.signingKey (the HTTP webhook signing key, not the API key)',
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

/** A recipient as relaykit keys it (the domain in lower-case ASCII), or undefined when it is not an address. */
function normalizeRecipient(value: string): string | undefined {
  try {
    return kit.parseAddress(value.trim()).address;
  } catch {
    return undefined;
  }
}

/**
 * Splits an address-list header (`a@x.com, "Doe, Jane" <j@y.com>`) on the commas between
 * mailboxes, not those inside quotes or angle brackets (RFC 5322 §3.4).
 */
function splitAddressList(value: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    else if (!quoted && !angle && c === ',') {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
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
  // Mailgun often repeats one text in message and description (or reason and description):
  // each distinct text is said once.
  const parts: string[] = [];
  for (const part of [
    str(status['message']),
    str(status['description']),
    str(reject['reason']),
    str(reject['description']),
  ]) {
    const text = part?.trim();
    if (!text || parts.some((p) => p.includes(text))) continue;
    for (let i = parts.length - 1; i >= 0; i--)
      if (text.includes(parts[i] as string)) parts.splice(i, 1);
    parts.push(text);
  }
  const diagnostic = parts.join(' ').slice(0, kit.maxDiagnostic) || undefined;
  const enhancedStatus = str(status['enhanced-code']) ?? kit.replyFacts(diagnostic).enhancedStatus;
  const severity = str(data['severity']);
  const reason = str(data['reason']);
  // Built field by field (the same keys in the same order as spreads would give, without the
  // throwaway objects of a conditional spread).
  const facts: kit.BounceFacts = {};
  if (smtpStatus !== undefined) facts.smtpStatus = smtpStatus;
  if (enhancedStatus !== undefined) facts.enhancedStatus = enhancedStatus;
  if (diagnostic !== undefined) facts.diagnostic = diagnostic;
  const hint: kit.BounceHint = { provider: 'mailgun' };
  if (severity !== undefined) {
    hint.type = severity;
    hint.permanent = severity === 'permanent';
  }
  if (reason !== undefined) hint.subType = reason;
  return kit.classifiedBounce(facts, hint, mailgunBounceHints);
}

function typeOf(event: string, data: Record<string, unknown>): DeliveryEventType {
  if (event === 'failed') {
    const severity = str(data['severity']);
    if (severity === 'temporary') return 'deferred';
    return suppressReasons.has(str(data['reason']) ?? '') ? 'suppressed' : 'bounced';
  }
  // Own keys only: an event named 'constructor' or '__proto__' is unknown, not Object's member.
  return Object.hasOwn(eventTypes, event) ? (eventTypes[event] as DeliveryEventType) : 'unknown';
}

/**
 * user-variables as metadata: strings as they are, other JSON values serialised. A value that
 * cannot be serialised (nested past what the runtime can walk) is left out and named in `dropped`.
 */
function stringValues(
  vars: Record<string, unknown>,
  skip: ReadonlySet<string>,
  dropped: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in vars) {
    if (!Object.hasOwn(vars, key)) continue;
    const value = vars[key];
    if (skip.has(key) || key === '__proto__' || value === null || value === undefined) continue;
    if (typeof value === 'string') {
      out[key] = value;
      continue;
    }
    try {
      out[key] = JSON.stringify(value);
    } catch {
      dropped.push(key);
    }
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
  if (tags.length < 2) return tags;
  const seen = new Set<string>();
  return tags.filter((t) =>
    seen.has(t.toLowerCase()) ? false : (seen.add(t.toLowerCase()), true),
  );
}

/** The recipients of an event: `recipient`, or for a `rejected` event without one, the To header. */
function recipientsOf(event: string, data: Record<string, unknown>): string[] | undefined {
  const given = str(data['recipient']);
  if (given !== undefined) {
    const recipient = normalizeRecipient(given);
    return recipient === undefined ? undefined : [recipient];
  }
  // Mailgun's rejected events concern the message and often name no recipient: the To header
  // is who it was for.
  if (event !== 'rejected') return undefined;
  const to = str(obj(obj(data['message'])['headers'])['to']);
  if (to === undefined) return undefined;
  const found: string[] = [];
  // An entry that is not a mailbox (a group's `undisclosed-recipients:;`) names no one.
  for (const part of splitAddressList(to)) {
    const recipient = normalizeRecipient(part);
    if (recipient !== undefined && !found.includes(recipient)) found.push(recipient);
  }
  return found.length === 0 ? undefined : found;
}

/**
 * Turns a verified Mailgun JSON webhook into DeliveryEvents and the notes of what it could not
 * read. Never throws: an authenticated event that cannot be understood is acknowledged and
 * reported (`unreadable`), since Mailgun would otherwise redeliver it for hours.
 */
export function parseMailgunDelivery(
  body: unknown,
  options: Pick<MailgunWebhookOptions, 'provider' | 'messageIdVariable'>,
): kit.WebhookParseResult {
  const dropped: string[] = [];
  let events: DeliveryEvent[];
  try {
    events = readEvents(body, options, dropped);
  } catch (error) {
    return kit.unreadableWebhook(
      error,
      eventIdOf(body),
      (name) => `unreadable webhook: ${name} while reading the event`,
    );
  }
  if (dropped.length === 0) return { events };
  const eventId = eventIdOf(body);
  return {
    events,
    unreadable: [
      {
        ...(eventId === undefined ? {} : { eventId }),
        reason: `user-variables ${dropped
          .slice(0, 5)
          .map((k) => `'${k.slice(0, 40)}'`)
          .join(', ')} could not be read (nested too deep); the event was recorded without them`,
      },
    ],
  };
}

/** The provider's id of an event, for reports about it: event-data.id, else the signature token. */
function eventIdOf(body: unknown): string | undefined {
  const data = obj(obj(body)['event-data']);
  const id = str(data['id']) ?? str(obj(obj(body)['signature'])['token']);
  return id?.slice(0, 200);
}

/**
 * Turns a verified Mailgun JSON webhook into DeliveryEvents (one per recipient; Mailgun posts one
 * event per request). Pure. Throws a RelayError of kind 'invalid' when the body cannot be read;
 * an event without a recipient (inbound `stored`, list events) yields nothing.
 */
export function parseMailgunEvents(
  body: unknown,
  options: Pick<MailgunWebhookOptions, 'provider' | 'messageIdVariable'>,
): DeliveryEvent[] {
  return readEvents(body, options, []);
}

/** The user-variables that are relaykit's own, not metadata: built once per message-id variable. */
const skipped = new Map<string, ReadonlySet<string>>();
function skippedVariables(messageIdVariable: string): ReadonlySet<string> {
  let set = skipped.get(messageIdVariable);
  if (set === undefined) {
    set = new Set([messageIdVariable, ...Object.values(internalVariables)]);
    // Bounded: one entry per configured adapter in practice.
    if (skipped.size >= 64) skipped.clear();
    skipped.set(messageIdVariable, set);
  }
  return set;
}

/**
 * Reads a Mailgun JSON body into DeliveryEvents, naming the user-variables it had to leave out in
 * `dropped`. `schemaOnly` skips the plain-JSON fast read of the body (what
 * webhook.properties.test.ts compares the fast read against).
 */
export function readEvents(
  body: unknown,
  options: Pick<MailgunWebhookOptions, 'provider' | 'messageIdVariable'>,
  dropped: string[],
  schemaOnly = false,
): DeliveryEvent[] {
  const { provider } = options;
  // bodySchema copies event-data key by key; a plain JSON object is the same record as it is.
  const top = !schemaOnly && plainJson(body) ? body : undefined;
  const given = top?.['event-data'];
  const parsed =
    top !== undefined && plainJson(given)
      ? { success: true as const, data: { signature: top['signature'], 'event-data': given } }
      : bodySchema.safeParse(body);
  if (!parsed.success)
    throw invalid(provider, 'expected a JSON object with event-data (Mailgun webhooks since 2018)');
  const data = parsed.data['event-data'];
  const event = str(data['event']);
  if (event === undefined) throw invalid(provider, 'event-data.event is missing');
  const recipients = recipientsOf(event, data);
  if (recipients === undefined) {
    if (Object.hasOwn(eventTypes, event) || event === 'failed')
      throw invalid(
        provider,
        `event-data.recipient is missing or not an address on a '${event.slice(0, 40)}' event`,
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
  const tags = tagsOf(data, vars);
  const metadata = stringValues(vars, skippedVariables(options.messageIdVariable), dropped);
  const relayId = str(vars[options.messageIdVariable]);
  const mailgunId = str(headers['message-id']);
  const stream = str(vars[internalVariables.stream]);
  const sender = str(obj(data['envelope'])['sender']) ?? str(headers['from']);
  const from =
    sender === undefined
      ? undefined
      : normalizeRecipient(
          sender.includes('<') ? (/<([^<>]+)>/u.exec(sender)?.[1] ?? sender) : sender,
        );
  const bounce =
    type === 'bounced' || type === 'deferred' || type === 'suppressed' || type === 'rejected'
      ? bounceOf(data)
      : undefined;
  const url = str(data['url']);
  const userAgent = str(obj(data['client-info'])['user-agent']);
  return recipients.map((recipient) =>
    kit.deliveryEvent({
      // One recipient (the rule): the id Mailgun gives; several (a rejected message's To list): one each.
      id: recipients.length === 1 ? `${event}:${id}` : `${event}:${id}:${recipient}`,
      type,
      provider,
      recipient,
      at,
      tags,
      metadata,
      raw: data,
      // An unresolved batch placeholder names no message: the ledger finds it by providerMessageId.
      messageId: relayId?.includes('%recipient') ? undefined : relayId,
      providerMessageId:
        mailgunId === undefined
          ? undefined
          : vars[internalVariables.batch] === undefined
            ? normalizeMessageId(mailgunId)
            : batchMemberId(mailgunId, recipient),
      stream,
      from,
      bounce,
      url,
      userAgent,
    }),
  );
}

/**
 * What a signed form post to the events URL is: Mailgun's webhooks post JSON since 2018, so a
 * form is a legacy webhook or a route forwarding inbound mail. Fixed texts: nothing from the body
 * but a checked event name reaches the alert.
 */
function misroutedForm(fields: FormData): string {
  const event = field(fields, 'event');
  if (event !== undefined) {
    const name = /^[a-z_-]{1,40}$/u.test(event) ? ` ('${event}')` : '';
    return `a legacy form-encoded Mailgun webhook${name}: recreate the webhook in Mailgun (Sending → Webhooks), which posts JSON events`;
  }
  if (
    ['body-plain', 'stripped-text', 'message-headers', 'body-mime', 'sender'].some((n) =>
      fields.has(n),
    )
  )
    return 'an inbound message forwarded by a Mailgun route: point the route at an inbound-mail handler, not the events webhook';
  return 'a signed form post that is not a Mailgun event: point only Mailgun webhooks (JSON) at this URL';
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
export function mailgunWebhook(options: MailgunWebhookOptions): kit.ProviderWebhook {
  // verify and parse see the same request: its body is read once.
  const bodyOf = kit.readOnce((request) => readBody(request, options.provider));
  return {
    async verify(request: kit.WebhookRequest, context: kit.WebhookContext) {
      if (options.skipVerification) return;
      const body = await bodyOf(request);
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
    async parse(request: kit.WebhookRequest): Promise<kit.WebhookParseResult> {
      let body: Body;
      try {
        body = await bodyOf(request);
      } catch (error) {
        return {
          events: [],
          unreadable: [{ reason: error instanceof RelayError ? error.message : 'unreadable body' }],
        };
      }
      if (body.kind === 'form')
        return { events: [], misrouted: { what: misroutedForm(body.fields) } };
      return parseMailgunDelivery(body.value, options);
    },
  };
}
