import { createHash, timingSafeEqual } from 'node:crypto';
import { RelayError } from '@relaykit/core';
import type { BounceCategory, BounceInfo, DeliveryEvent, DeliveryEventType } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import { z } from 'zod';
import { messageIdKey, tagsKey } from './convert.ts';
import type { ResolvedWebhookAuth } from './options.ts';
import { postmarkBounceHints } from './bounce-hints.ts';

export interface WebhookSettings {
  provider: string;
  auth: ResolvedWebhookAuth;
  /** Postmark MessageStream → the one relaykit stream mapped to it, when exactly one is. */
  streams?: ReadonlyMap<string, string>;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares two secrets in constant time: equal-length SHA-256 digests, so length leaks nothing. */
export function safeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function authError(provider: string, message: string): RelayError {
  return new RelayError({ kind: 'auth', provider, message });
}

/**
 * Checks every configured credential (basic auth and/or the shared-secret header). Postmark does
 * not sign webhooks, so these are the only proof a request comes from the webhook you set up.
 */
export function verifyPostmarkWebhook(
  request: kit.WebhookRequest,
  settings: WebhookSettings,
): void {
  const { auth, provider } = settings;
  if (auth.skip) return;
  if (auth.basic) {
    const header = request.headers.get('authorization') ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/iu.exec(header);
    if (!match?.[1])
      throw authError(
        provider,
        'webhook has no Basic Authorization header; put the credentials in the webhook URL (https://user:pass@host/path)',
      );
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const expected = `${auth.basic.username}:${auth.basic.password}`;
    if (!safeEqual(decoded, expected))
      throw authError(provider, 'webhook Basic credentials do not match webhook.basicAuth');
  }
  if (auth.header) {
    const value = request.headers.get(auth.header.name);
    if (value === null)
      throw authError(
        provider,
        `webhook has no ${auth.header.name} header; add it to the webhook's custom headers`,
      );
    if (!safeEqual(value, auth.header.value))
      throw authError(
        provider,
        `webhook ${auth.header.name} header does not match webhook.secretHeader`,
      );
  }
}

type SenderSide = Extract<BounceCategory, 'policy' | 'content' | 'authentication'>;

interface TypeRule {
  event: DeliveryEventType;
  /** Postmark's view of permanence, the classifier's hint when the SMTP text says nothing. */
  permanent?: boolean;
  /** The fault lies with the sender or the content: never a hard bounce (never suppresses the recipient). */
  sender?: SenderSide;
}

/**
 * Postmark bounce `Type` → relaykit event (https://postmarkapp.com/developer/api/bounce-api#bounce-types;
 * the `postmark` SDK's `dist/client/models/bounces/Bounce.d.ts`). Routed on the Type string, never
 * on TypeCode (Postmark's own SpamComplaint example carries TypeCode 512, SpamNotification's).
 */
const bounceTypes: Record<string, TypeRule> = {
  HardBounce: { event: 'bounced', permanent: true },
  BadEmailAddress: { event: 'bounced', permanent: true },
  SoftBounce: { event: 'bounced', permanent: false },
  DnsError: { event: 'bounced', permanent: false },
  Transient: { event: 'deferred', permanent: false },
  Blocked: { event: 'bounced', sender: 'policy' },
  DMARCPolicy: { event: 'bounced', sender: 'authentication' },
  SpamNotification: { event: 'bounced', sender: 'content' },
  VirusNotification: { event: 'bounced', sender: 'content' },
  Unknown: { event: 'bounced' },
  SMTPApiError: { event: 'rejected' },
  TemplateRenderingFailed: { event: 'rejected' },
  SpamComplaint: { event: 'complained' },
  ManuallyDeactivated: { event: 'suppressed' },
  Unconfirmed: { event: 'suppressed' },
  Unsubscribe: { event: 'unsubscribed' },
  AutoResponder: { event: 'unknown' },
  Subscribe: { event: 'unknown' },
  AddressChange: { event: 'unknown' },
  OpenRelayTest: { event: 'unknown' },
  ChallengeVerification: { event: 'unknown' },
  InboundError: { event: 'unknown' },
};

const text = z.string().nullish();
const metadataSchema = z.record(z.string(), z.unknown()).nullish().catch(undefined);
const common = {
  RecordType: z.string(),
  MessageID: text,
  MessageStream: text,
  Tag: text.catch(undefined),
  Metadata: metadataSchema,
};
const bounceSchema = z.looseObject({
  ...common,
  ID: z.union([z.number(), z.string()]).nullish(),
  Type: text,
  Name: text,
  Email: z.string(),
  From: text,
  BouncedAt: z.string(),
  Details: text,
  Description: text,
  Inactive: z.boolean().nullish(),
});
const deliverySchema = z.looseObject({ ...common, Recipient: z.string(), DeliveredAt: z.string() });
const engagementSchema = z.looseObject({
  ...common,
  Recipient: z.string(),
  ReceivedAt: z.string(),
  UserAgent: text,
  OriginalLink: text,
});
const subscriptionSchema = z.looseObject({
  ...common,
  Recipient: z.string(),
  ChangedAt: z.string(),
  SuppressSending: z.boolean(),
  SuppressionReason: text,
  Origin: text,
});

/** Read once at load: the envelope every record shares. */
const recordSchema = z.looseObject(common);

type Common = {
  RecordType: string;
  MessageID?: string | null | undefined;
  MessageStream?: string | null | undefined;
  Tag?: string | null | undefined;
  Metadata?: Record<string, unknown> | null | undefined;
};

function invalid(provider: string, message: string, cause?: unknown): RelayError {
  return new RelayError({
    kind: 'invalid',
    provider,
    message: `unreadable Postmark webhook: ${message}`,
    cause,
  });
}

function read<T>(schema: z.ZodType<T>, value: unknown, provider: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(
      provider,
      `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'unexpected shape'}`,
      parsed.error,
    );
  }
  return parsed.data;
}

function date(value: string, field: string, provider: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw invalid(provider, `${field} is not a timestamp`);
  return at;
}

function recipientOf(value: string, provider: string): string {
  try {
    return kit.parseAddress(value).address;
  } catch (error) {
    throw invalid(provider, 'the recipient is not an email address', error);
  }
}

/** A stable id for records without one: the same record redelivered hashes the same. */
export function stableEventId(
  recordType: string,
  messageId: string,
  recipient: string,
  timestamp: string,
): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([recordType, messageId, recipient, timestamp]))
    .digest('hex');
  return `${recordType}:${hash.slice(0, 32)}`;
}

/**
 * The record ID exactly as sent: bounce ids can exceed 2^53 and JSON.parse would round them,
 * merging two bounces into one id. Read from the raw body when it agrees with the parsed number.
 */
function recordId(body: string, parsed: number | string | null | undefined): string | undefined {
  if (parsed === null || parsed === undefined || parsed === '') return undefined;
  if (typeof parsed === 'string') return parsed;
  const raw = /[{,]\s*"ID"\s*:\s*(-?\d+)\s*[,}]/u.exec(body)?.[1];
  return raw !== undefined && Number(raw) === parsed ? raw : String(parsed);
}

function metadataOf(record: Common): {
  messageId?: string;
  tags: string[];
  metadata: Record<string, string>;
} {
  const metadata: Record<string, string> = {};
  let messageId: string | undefined;
  let extraTags: string[] = [];
  for (const [key, value] of Object.entries(record.Metadata ?? {})) {
    if (value === null || typeof value === 'object' || value === undefined) continue;
    const v = String(value);
    const k = key.toLowerCase();
    if (k === messageIdKey) messageId = v;
    else if (k === tagsKey) extraTags = parseTags(v);
    else if (key !== '__proto__') metadata[key] = v;
  }
  const tags = [...new Set([...(record.Tag ? [record.Tag] : []), ...extraTags])];
  return { ...(messageId ? { messageId } : {}), tags, metadata };
}

function parseTags(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed)
      ? parsed.filter((t): t is string => typeof t === 'string' && t !== '')
      : [];
  } catch {
    return [];
  }
}

function bounceInfo(record: z.infer<typeof bounceSchema>, rule: TypeRule | undefined): BounceInfo {
  const facts = kit.replyFacts(record.Details ?? undefined);
  let { class: cls, category } = kit.classifiedBounce(
    facts,
    {
      provider: 'postmark',
      ...(record.Type ? { type: record.Type } : {}),
      ...(rule?.permanent === undefined ? {} : { permanent: rule.permanent }),
    },
    postmarkBounceHints,
  );
  // Postmark knows a Blocked/DMARC/spam-filter/virus bounce is about the sender or the content:
  // it must slow and alert the sending domain, never suppress the recipient.
  if (rule?.sender && (cls === 'hard' || cls === 'undetermined')) {
    cls = 'block';
    category = rule.sender;
  }
  // Inactive: Postmark deactivated the address and refuses further sends to it (406): mirror that.
  if (record.Inactive === true && rule?.event === 'bounced' && cls !== 'hard') {
    cls = 'hard';
    category = 'suppressed';
  }
  const info: BounceInfo = { ...facts, class: cls, category };
  const diagnostic = facts.diagnostic || record.Description || undefined;
  if (diagnostic) info.diagnostic = diagnostic;
  return info;
}

interface Draft {
  id: string;
  type: DeliveryEventType;
  recipient: string;
  at: Date;
  extra?: Partial<Pick<DeliveryEvent, 'bounce' | 'url' | 'userAgent' | 'from'>>;
}

function subscriptionType(record: z.infer<typeof subscriptionSchema>): DeliveryEventType {
  // SuppressSending false is a reactivation: relaykit never lifts a suppression on its own, so it
  // is reported as 'unknown' (with the payload in raw) for whoever wants to act on it.
  if (!record.SuppressSending) return 'unknown';
  if (record.SuppressionReason === 'ManualSuppression' && record.Origin === 'Recipient')
    return 'unsubscribed';
  return 'suppressed';
}

function draftOf(record: Common, body: string, provider: string): Draft | undefined {
  const messageId = record.MessageID ?? '';
  switch (record.RecordType) {
    case 'Delivery': {
      const r = read(deliverySchema, record, provider);
      const recipient = recipientOf(r.Recipient, provider);
      return {
        id: stableEventId('Delivery', messageId, recipient, r.DeliveredAt),
        type: 'delivered',
        recipient,
        at: date(r.DeliveredAt, 'DeliveredAt', provider),
      };
    }
    case 'Bounce':
    case 'SpamComplaint': {
      const r = read(bounceSchema, record, provider);
      const recipient = recipientOf(r.Email, provider);
      // Own keys only: a Type named like an Object member ('constructor') is an unknown type.
      const rule =
        r.RecordType === 'SpamComplaint'
          ? bounceTypes['SpamComplaint']
          : r.Type && Object.hasOwn(bounceTypes, r.Type)
            ? bounceTypes[r.Type]
            : undefined;
      const type = rule?.event ?? 'bounced';
      const id = recordId(body, r.ID);
      const extra: Draft['extra'] = {};
      if (r.From) {
        try {
          extra.from = kit.parseAddress(r.From).address;
        } catch {
          // A From Postmark cannot have sent from is not worth refusing the event for.
        }
      }
      if (type === 'bounced' || type === 'deferred') extra.bounce = bounceInfo(r, rule);
      return {
        id:
          id === undefined
            ? stableEventId(r.RecordType, messageId, recipient, r.BouncedAt)
            : `${r.RecordType}:${id}`,
        type,
        recipient,
        at: date(r.BouncedAt, 'BouncedAt', provider),
        extra,
      };
    }
    case 'Open':
    case 'Click': {
      const r = read(engagementSchema, record, provider);
      const recipient = recipientOf(r.Recipient, provider);
      const extra: Draft['extra'] = {};
      if (r.UserAgent) extra.userAgent = r.UserAgent;
      if (r.RecordType === 'Click' && r.OriginalLink) extra.url = r.OriginalLink;
      return {
        id: stableEventId(r.RecordType, messageId, recipient, r.ReceivedAt),
        type: r.RecordType === 'Open' ? 'opened' : 'clicked',
        recipient,
        at: date(r.ReceivedAt, 'ReceivedAt', provider),
        extra,
      };
    }
    case 'SubscriptionChange': {
      const r = read(subscriptionSchema, record, provider);
      const recipient = recipientOf(r.Recipient, provider);
      return {
        id: stableEventId('SubscriptionChange', messageId, recipient, r.ChangedAt),
        type: subscriptionType(r),
        recipient,
        at: date(r.ChangedAt, 'ChangedAt', provider),
      };
    }
    default:
      // Inbound mail and record types Postmark may add later: nothing to record, answered 200.
      return undefined;
  }
}

/**
 * Fields only Postmark's inbound webhook posts (postmarkapp.com/developer/webhooks/inbound-webhook):
 * its payload is the message itself and carries no RecordType.
 */
const inboundFields = [
  'FromFull',
  'ToFull',
  'OriginalRecipient',
  'StrippedTextReply',
  'MailboxHash',
];

function isInbound(payload: Record<string, unknown>): boolean {
  if (payload['RecordType'] === 'Inbound') return true;
  return (
    payload['RecordType'] === undefined &&
    (payload['MessageStream'] === 'inbound' || inboundFields.some((f) => Object.hasOwn(payload, f)))
  );
}

/** The provider's id of a record, for reports about it. */
function recordIdOf(payload: unknown, body: string): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  const type = typeof p['RecordType'] === 'string' ? p['RecordType'].slice(0, 40) : undefined;
  const id =
    typeof p['ID'] === 'number' || typeof p['ID'] === 'string'
      ? recordId(body, p['ID'])
      : undefined;
  if (type && id) return `${type}:${id.slice(0, 100)}`;
  return typeof p['MessageID'] === 'string' ? p['MessageID'].slice(0, 200) : undefined;
}

/**
 * Parses one Postmark webhook POST (one record) into DeliveryEvents. Never throws: it is only
 * reached by an authenticated request, and a record it cannot read is acknowledged and reported
 * (`unreadable`) rather than refused, since Postmark drops a 4xx'd event and retries a 5xx'd one
 * for an hour to no end. Inbound mail posted to this hook is `misrouted`.
 */
export function parsePostmarkWebhook(
  request: Pick<kit.WebhookRequest, 'body'>,
  settings: Pick<WebhookSettings, 'provider' | 'streams'>,
): kit.WebhookParseResult {
  let payload: unknown;
  try {
    payload = JSON.parse(request.body);
  } catch {
    return {
      events: [],
      unreadable: [{ reason: 'unreadable Postmark webhook: the body is not JSON' }],
    };
  }
  try {
    if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
      if (isInbound(payload as Record<string, unknown>))
        return {
          events: [],
          misrouted: {
            what: "inbound mail (Postmark's inbound webhook): set this URL on the outbound message stream's webhooks, and the inbound stream's webhook to an inbound-mail handler",
          },
        };
    }
    return readRecord(request.body, payload, settings);
  } catch (error) {
    return kit.unreadableWebhook(
      error,
      recordIdOf(payload, request.body),
      (name) => `unreadable Postmark webhook (${name})`,
    );
  }
}

function readRecord(
  body: string,
  payload: unknown,
  settings: Pick<WebhookSettings, 'provider' | 'streams'>,
): kit.WebhookParseResult {
  const { provider } = settings;
  const record = read(recordSchema, payload, provider);
  const draft = draftOf(record, body, provider);
  if (!draft) return { events: [] };
  const { messageId, tags, metadata } = metadataOf(record);
  const stream = record.MessageStream ? settings.streams?.get(record.MessageStream) : undefined;
  const event: DeliveryEvent = {
    id: draft.id,
    type: draft.type,
    provider,
    recipient: draft.recipient,
    at: draft.at,
    tags,
    metadata,
    raw: payload,
    ...(messageId ? { messageId } : {}),
    ...(record.MessageID ? { providerMessageId: record.MessageID } : {}),
    ...(stream ? { stream } : {}),
    ...draft.extra,
  };
  return { events: [event] };
}

export function postmarkWebhook(settings: WebhookSettings): kit.ProviderWebhook {
  return {
    verify: async (request) => verifyPostmarkWebhook(request, settings),
    parse: async (request) => parsePostmarkWebhook(request, settings),
  };
}
