import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { RelayError } from '@relaykit/core';
import type { BounceInfo, DeliveryEvent, DeliveryEventType } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import { z } from 'zod';
import { decodeTagValue, streamTag } from './convert.ts';
import { resendBounceHints } from './bounce-hints.ts';

export interface ResendWebhookOptions {
  /** The relay's name for the provider. */
  provider: string;
  /** Raw HMAC keys (decoded `whsec_` secrets); any one of them may have signed. */
  keys: readonly Buffer[];
  toleranceSeconds: number;
  skipVerification: boolean;
  messageIdTag: string;
}

/** Resend's event types and the relaykit event each becomes. */
export const eventTypes: Readonly<Record<string, DeliveryEventType>> = {
  'email.sent': 'accepted',
  'email.scheduled': 'accepted',
  'email.delivered': 'delivered',
  'email.delivery_delayed': 'deferred',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.failed': 'rejected',
  'email.suppressed': 'suppressed',
};

/** Inbound mail: a different hook's business (`email.received`, a webhook event type in the `resend` SDK's `dist/index.d.mts` since 6.3.0). */
const inboundEvents = new Set(['email.received']);

const authError = (provider: string, message: string) =>
  new RelayError({ kind: 'auth', provider, message: `webhook ${message}` });

const header = (headers: kit.WebhookHeaders, name: string) =>
  headers.get(`svix-${name}`) ?? headers.get(`webhook-${name}`);

/** `v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`: the Svix / Standard Webhooks signature. */
export function signSvix(
  key: Buffer,
  id: string,
  timestamp: number | string,
  body: string,
): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * Checks a Svix-signed request: the svix-id, svix-timestamp and svix-signature headers (or the
 * Standard Webhooks `webhook-*` names), a timestamp within `toleranceSeconds` of now either way,
 * and at least one `v1` signature in the space-separated list matching one of the keys, compared
 * in constant time. Throws a RelayError of kind 'auth' saying what failed (never the secret).
 */
export function verifySvix(
  request: kit.WebhookRequest,
  options: Pick<ResendWebhookOptions, 'provider' | 'keys' | 'toleranceSeconds'>,
  nowMs: number,
): void {
  const { provider } = options;
  const id = header(request.headers, 'id');
  const timestamp = header(request.headers, 'timestamp');
  const signature = header(request.headers, 'signature');
  if (!id || !timestamp || !signature) {
    throw authError(
      provider,
      'is missing svix-id, svix-timestamp or svix-signature; is this endpoint registered at Resend → Webhooks?',
    );
  }
  if (!/^\d{1,15}$/u.test(timestamp)) throw authError(provider, 'has an unreadable svix-timestamp');
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > options.toleranceSeconds) {
    throw authError(
      provider,
      `timestamp is ${Math.round(skew)} s from now, outside the ${options.toleranceSeconds} s tolerance (replayed, or the server clock is wrong)`,
    );
  }
  const given = signature
    .split(' ')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry));
  for (const key of options.keys) {
    const expected = Buffer.from(signSvix(key, id, timestamp, request.body));
    for (const candidate of given) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return;
    }
  }
  throw authError(
    provider,
    'signature does not match; check webhook.secret is the signing secret of this endpoint',
  );
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );

/** Webhook tags arrive as a `{ name: value }` map; older or other payloads use `[{ name, value }]`. */
function readTags(value: unknown): Map<string, string> {
  const tags = new Map<string, string>();
  if (Array.isArray(value)) {
    for (const entry of value) {
      const name = str(record(entry)?.['name']);
      const tagValue = record(entry)?.['value'];
      if (name !== undefined && typeof tagValue === 'string') tags.set(name, tagValue);
    }
  } else {
    for (const [name, tagValue] of Object.entries(record(value) ?? {}))
      if (typeof tagValue === 'string') tags.set(name, tagValue);
  }
  return tags;
}

const date = (...values: unknown[]): Date | undefined => {
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return at;
  }
  return undefined;
};

function address(value: string): string | undefined {
  try {
    return kit.parseAddress(value).address;
  } catch {
    return undefined;
  }
}

/**
 * The provider's own verdict, as core's classifier reads it. Resend runs on SES and uses SES's
 * bounce type names; a suppression is SES's Permanent/OnAccountSuppressionList, a delay SES's
 * DeliveryDelay.
 */
function hintFor(type: string, part: Record<string, unknown>): kit.BounceHint {
  const provider = 'resend';
  if (type === 'email.suppressed') {
    const subType =
      str(part['type']) === 'OnAccountSuppressionList' ? 'OnAccountSuppressionList' : 'Suppressed';
    return { provider, type: 'Permanent', subType, permanent: true };
  }
  if (type === 'email.delivery_delayed')
    return { provider, type: 'DeliveryDelay', permanent: false };
  if (type === 'email.failed')
    return {
      provider,
      type: 'failed',
      ...(str(part['reason']) === undefined ? {} : { subType: str(part['reason']) as string }),
    };
  const bounceType = str(part['type']);
  const subType = str(part['subType']);
  return {
    provider,
    ...(bounceType === undefined ? {} : { type: bounceType }),
    ...(subType === undefined ? {} : { subType }),
  };
}

/** The bounce facts of a bounce, delay, suppression or failure, classified by core's classifier. */
function bounceInfo(type: string, data: Record<string, unknown>): BounceInfo {
  const part =
    record(data['bounce']) ??
    record(data['suppressed']) ??
    record(data['failed']) ??
    record(data['delivery_delayed']) ??
    {};
  const facts = kit.replyFacts(strings(part['diagnosticCode'])[0]);
  const diagnostic = (facts.diagnostic ?? str(part['message']) ?? str(part['reason']))?.slice(
    0,
    kit.maxDiagnostic,
  );
  if (diagnostic !== undefined) facts.diagnostic = diagnostic;
  return kit.classifiedBounce(facts, hintFor(type, part), resendBounceHints);
}

/** A Resend bounce that is really a suppression (before email.suppressed existed). */
function isLegacySuppression(data: Record<string, unknown>): boolean {
  const bounce = record(data['bounce']);
  if (!bounce) return false;
  return (
    bounce['subType'] === 'Suppressed' ||
    /suppressed sending|on the suppression list/iu.test(str(bounce['message']) ?? '')
  );
}

const envelope = z.object({
  type: z.string().min(1).max(200),
  created_at: z.unknown().optional(),
  // Checked as an object and read field by field below: a record schema would copy every key.
  data: z.custom<Record<string, unknown>>((value) => record(value) !== undefined, {
    message: 'data must be an object',
  }),
});

function invalid(provider: string, message: string, cause?: unknown): RelayError {
  return new RelayError({
    kind: 'invalid',
    provider,
    message: `webhook body ${message}`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Event types a bounce, complaint or suppression: charged to a recipient, so it must be the right one. */
const charging = new Set<DeliveryEventType>(['bounced', 'complained', 'suppressed']);

/** Whether a character ends an address written inside free text (a DSN line, a bounce message). */
function addressEnd(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code > 127) return /\s/u.test(text[index] as string);
  // space, tab, CR, LF, VT, FF and < > " ' ( ) , ; : [ ]
  return code <= 32 || ' <>"\'(),;:[]'.includes(text[index] as string);
}

/** The addresses a bounce or suppression text names (the refused mailbox of a DSN). */
function namedAddresses(data: Record<string, unknown>, from: string | undefined): Set<string> {
  const named = new Set<string>();
  for (const key of ['bounce', 'suppressed', 'complaint']) {
    const part = record(data[key]);
    if (!part) continue;
    for (const line of [...strings(part['message']), ...strings(part['diagnosticCode'])]) {
      const text = line.slice(0, kit.maxDiagnostic);
      // Around each '@', out to the nearest delimiter either side: cheaper than a regex scan of
      // every position, and a text without '@' (most bounce messages) costs one indexOf.
      for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
        let start = at;
        while (start > 0 && !addressEnd(text, start - 1)) start--;
        let end = at + 1;
        while (end < text.length && !addressEnd(text, end)) end++;
        const found = address(text.slice(start, end).replace(/[.]+$/u, ''));
        if (found !== undefined && found.toLowerCase() !== from?.toLowerCase())
          named.add(found.toLowerCase());
      }
    }
  }
  return named;
}

/**
 * Which recipients a bounce, complaint or suppression is charged to. Resend lists every address
 * of the message in `data.to`, the bounced one among them; the one charged is the one the DSN or
 * message names, or the only one there is. When neither tells, none is: `unattributed`.
 */
function attribute(
  recipients: readonly string[],
  data: Record<string, unknown>,
  from: string | undefined,
): { charged: string[] } | { unattributed: true } {
  const named = namedAddresses(data, from);
  if (named.size > 0) {
    const charged = recipients.filter((r) => named.has(r.toLowerCase()));
    return charged.length > 0 ? { charged } : { unattributed: true };
  }
  return recipients.length === 1 ? { charged: [...recipients] } : { unattributed: true };
}

/**
 * Reads a Resend webhook body into DeliveryEvents. A delivery, open or click is reported for
 * every address in `data.to` (Resend does not say which recipient it concerns; send with
 * `splitRecipients: true` to have exactly one). A bounce, complaint or suppression is charged
 * only to the recipient its DSN or message names (or the only recipient); when it cannot tell,
 * each recipient gets the event with bounce category `unattributed`, which suppresses no one.
 * Event ids are `${svix-id}:${recipient}`. Non-email events (contact.*, domain.*,
 * suppression.*) yield no events. Throws a RelayError of kind 'invalid' for a body it cannot read.
 */
export function parseResendEvents(
  request: kit.WebhookRequest,
  options: Pick<ResendWebhookOptions, 'provider' | 'messageIdTag'>,
  nowMs: number,
): DeliveryEvent[] {
  return readResend(request, options, nowMs).events;
}

function readResend(
  request: kit.WebhookRequest,
  options: Pick<ResendWebhookOptions, 'provider' | 'messageIdTag'>,
  nowMs: number,
): kit.WebhookParseResult {
  const { provider } = options;
  let json: unknown;
  try {
    json = JSON.parse(request.body);
  } catch (error) {
    throw invalid(provider, 'is not JSON', error);
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success)
    throw invalid(provider, 'is not a Resend event ({ type, created_at, data })', parsed.error);
  const { type, data } = parsed.data;
  if (inboundEvents.has(type))
    return {
      events: [],
      misrouted: {
        what: `inbound mail (Resend '${type}'): subscribe this endpoint to outbound email events only, and receive inbound mail on a handler of its own`,
      },
    };
  if (!type.startsWith('email.')) return { events: [] };

  // Own keys only: a type named like an Object member is unknown.
  let eventType: DeliveryEventType = Object.hasOwn(eventTypes, type)
    ? (eventTypes[type] as DeliveryEventType)
    : 'unknown';
  if (eventType === 'bounced' && isLegacySuppression(data)) eventType = 'suppressed';

  const recipients = [
    ...new Set(
      strings(data['to'])
        .map(address)
        .filter((a): a is string => a !== undefined),
    ),
  ];
  if (recipients.length === 0)
    throw invalid(provider, `has no readable recipient in data.to (${type.slice(0, 60)})`);

  const baseId =
    header(request.headers, 'id') ??
    `sha256:${createHash('sha256').update(request.body).digest('hex').slice(0, 32)}`;
  const tags = readTags(data['tags']);
  const messageIdValue = tags.get(options.messageIdTag);
  const streamValue = tags.get(streamTag);
  const plainTags: string[] = [];
  const metadata: Record<string, string> = {};
  for (const [name, value] of tags) {
    if (name === options.messageIdTag || name === streamTag || name === '__proto__') continue;
    if (name === value) plainTags.push(name);
    else metadata[name] = value;
  }
  const at = date(parsed.data.created_at, data['created_at']) ?? new Date(nowMs);
  const providerMessageId = str(data['email_id']);
  const from = str(data['from']) === undefined ? undefined : address(data['from'] as string);
  const click = record(data['click']);
  const open = record(data['open']);
  const url = str(click?.['link']);
  const userAgent = str(click?.['userAgent']) ?? str(open?.['userAgent']);
  const classified =
    eventType === 'bounced' ||
    eventType === 'deferred' ||
    eventType === 'suppressed' ||
    eventType === 'rejected'
      ? bounceInfo(eventType === 'suppressed' ? 'email.suppressed' : type, data)
      : undefined;
  let chargedTo: readonly string[] = recipients;
  let bounce = classified;
  if (charging.has(eventType)) {
    const verdict = attribute(recipients, data, from);
    if ('charged' in verdict) chargedTo = verdict.charged;
    else {
      const { smtpStatus, enhancedStatus, diagnostic } = classified ?? {};
      bounce = {
        class: 'undetermined',
        category: 'unattributed',
        ...(smtpStatus === undefined ? {} : { smtpStatus }),
        ...(enhancedStatus === undefined ? {} : { enhancedStatus }),
        ...(diagnostic === undefined ? {} : { diagnostic }),
      };
    }
  }

  const events = chargedTo.map((recipient) =>
    kit.deliveryEvent({
      id: `${baseId}:${recipient}`,
      type: eventType,
      provider,
      recipient,
      at,
      tags: plainTags,
      metadata,
      raw: json,
      messageId: messageIdValue === undefined ? undefined : decodeTagValue(messageIdValue),
      providerMessageId,
      from,
      stream: streamValue === undefined ? undefined : decodeTagValue(streamValue),
      bounce,
      url: eventType === 'clicked' ? url : undefined,
      userAgent: eventType === 'clicked' || eventType === 'opened' ? userAgent : undefined,
    }),
  );
  return { events };
}

/**
 * The provider's `webhook` member: Svix verification, then parsing. Parse never throws: a verified
 * event it cannot read is acknowledged and reported (`unreadable`, with the svix-id), since Resend
 * would otherwise redeliver it for a day.
 */
export function resendWebhook(options: ResendWebhookOptions): kit.ProviderWebhook {
  return {
    async verify(request: kit.WebhookRequest, context: kit.WebhookContext) {
      if (options.skipVerification) return;
      verifySvix(request, options, context.now());
    },
    async parse(request: kit.WebhookRequest, context: kit.WebhookContext) {
      try {
        return readResend(request, options, context.now());
      } catch (error) {
        return kit.unreadableWebhook(
          error,
          header(request.headers, 'id')?.slice(0, 200),
          (name) => `webhook body could not be read (${name})`,
        );
      }
    },
  };
}
