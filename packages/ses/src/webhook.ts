import { RelayError } from '@relaykit/core';
import type { BounceInfo, DeliveryEvent, DeliveryEventType } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import type { SesWebhookOptions } from './options.ts';
import { checkSnsUrl, createSnsVerifier, parseEnvelope, type SnsEnvelope } from './sns.ts';
import { fromMailTags } from './tags.ts';
import { sesBounceHints } from './bounce-hints.ts';

/**
 * SES events through SNS → DeliveryEvents, one per recipient. Both SES formats are read: event
 * publishing (`eventType`, configuration sets) and the older identity notifications
 * (`notificationType`: Bounce, Complaint, Delivery; no tags, so the ledger maps their
 * `providerMessageId` back to the message).
 */

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** An address as relaykit keys it, or undefined: relaykit never sent to what does not parse. */
function normalizeRecipient(value: unknown): string | undefined {
  const text = str(value)?.trim();
  if (!text) return undefined;
  try {
    return kit.parseAddress(text).address;
  } catch {
    return undefined;
  }
}

function date(...candidates: unknown[]): Date | undefined {
  for (const c of candidates) {
    const text = str(c);
    if (text === undefined) continue;
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return new Date(at);
  }
  return undefined;
}

interface BounceDetail {
  diagnostic?: string;
  status?: string;
  type?: string;
  subType?: string;
  permanent?: boolean;
}

/** Codes from the DSN (diagnosticCode, status) classified by core, with SES's own type as the hint. */
function bounceInfo(detail: BounceDetail): BounceInfo {
  const facts = kit.replyFacts(detail.diagnostic);
  if (
    facts.enhancedStatus === undefined &&
    detail.status &&
    /^[245]\.\d{1,3}\.\d{1,3}$/u.test(detail.status)
  )
    facts.enhancedStatus = detail.status;
  return kit.classifiedBounce(
    facts,
    {
      provider: 'ses',
      ...(detail.type === undefined ? {} : { type: detail.type }),
      ...(detail.subType === undefined ? {} : { subType: detail.subType }),
      ...(detail.permanent === undefined ? {} : { permanent: detail.permanent }),
    },
    sesBounceHints,
  );
}

/** Bounce subtypes meaning SES did not try: the address is on a suppression list. */
const suppressedSubTypes = new Set([
  'Suppressed',
  'OnAccountSuppressionList',
  'OnTenantSuppressionList',
]);

interface Draft {
  type: DeliveryEventType;
  recipient: unknown;
  at?: Date | undefined;
  bounce?: BounceInfo;
  url?: string | undefined;
  userAgent?: string | undefined;
}

function perDestination(
  mail: Json,
  type: DeliveryEventType,
  extra: Omit<Draft, 'type' | 'recipient'> = {},
): Draft[] {
  return list(mail['destination']).map((recipient) => ({ type, recipient, ...extra }));
}

function drafts(kind: string, event: Json, mail: Json): Draft[] {
  switch (kind) {
    case 'Send':
      return perDestination(mail, 'accepted', { at: date(mail['timestamp']) });
    case 'Delivery': {
      const d = obj(event['delivery']) ?? {};
      return list(d['recipients']).map((recipient) => ({
        type: 'delivered' as const,
        recipient,
        at: date(d['timestamp']),
      }));
    }
    case 'Bounce': {
      const b = obj(event['bounce']) ?? {};
      const type = str(b['bounceType']);
      const subType = str(b['bounceSubType']);
      // Transient: SES stopped retrying, so it is final for this message (not a deferral).
      const permanent = type === 'Permanent' ? true : type === 'Transient' ? false : undefined;
      return list(b['bouncedRecipients']).map((r) => {
        const rec = obj(r) ?? {};
        return {
          type:
            subType !== undefined && suppressedSubTypes.has(subType)
              ? ('suppressed' as const)
              : ('bounced' as const),
          recipient: rec['emailAddress'],
          at: date(b['timestamp']),
          bounce: bounceInfo({
            ...(str(rec['diagnosticCode']) === undefined
              ? {}
              : { diagnostic: str(rec['diagnosticCode']) as string }),
            ...(str(rec['status']) === undefined ? {} : { status: str(rec['status']) as string }),
            ...(type === undefined ? {} : { type }),
            ...(subType === undefined ? {} : { subType }),
            ...(permanent === undefined ? {} : { permanent }),
          }),
        };
      });
    }
    case 'Complaint': {
      const c = obj(event['complaint']) ?? {};
      // An ARF "not-spam" report is the opposite of a complaint.
      if (str(c['complaintFeedbackType'])?.toLowerCase() === 'not-spam') return [];
      const type =
        str(c['complaintSubType']) === 'OnAccountSuppressionList'
          ? ('suppressed' as const)
          : ('complained' as const);
      return list(c['complainedRecipients']).map((r) => ({
        type,
        recipient: obj(r)?.['emailAddress'],
        at: date(c['timestamp']),
        userAgent: str(c['userAgent']),
      }));
    }
    case 'DeliveryDelay': {
      const d = obj(event['deliveryDelay']) ?? {};
      const delayType = str(d['delayType']);
      return list(d['delayedRecipients']).map((r) => {
        const rec = obj(r) ?? {};
        return {
          type: 'deferred' as const,
          recipient: rec['emailAddress'],
          at: date(d['timestamp']),
          bounce: bounceInfo({
            ...(str(rec['diagnosticCode']) === undefined
              ? {}
              : { diagnostic: str(rec['diagnosticCode']) as string }),
            ...(str(rec['status']) === undefined ? {} : { status: str(rec['status']) as string }),
            type: 'DeliveryDelay',
            ...(delayType === undefined ? {} : { subType: delayType }),
            permanent: false,
          }),
        };
      });
    }
    case 'Reject':
    case 'Rendering Failure':
      return perDestination(mail, 'rejected', { at: date(mail['timestamp']) });
    case 'Open': {
      const o = obj(event['open']) ?? {};
      return perDestination(mail, 'opened', {
        at: date(o['timestamp']),
        userAgent: str(o['userAgent']),
      });
    }
    case 'Click': {
      const c = obj(event['click']) ?? {};
      return perDestination(mail, 'clicked', {
        at: date(c['timestamp']),
        url: str(c['link']),
        userAgent: str(c['userAgent']),
      });
    }
    case 'Subscription': {
      const s = obj(event['subscription']) ?? {};
      const prefs = obj(s['newTopicPreferences']) ?? {};
      const optOut =
        prefs['unsubscribeAll'] === true ||
        list(prefs['topicSubscriptionStatus']).some(
          (t) => obj(t)?.['subscriptionStatus'] === 'OptOut',
        );
      // An opt-in changes nothing relaykit tracks.
      return optOut ? perDestination(mail, 'unsubscribed', { at: date(s['timestamp']) }) : [];
    }
    default:
      return [];
  }
}

/** The object each event type carries its details in; an event without it is unreadable. */
const detailKey: Record<string, string> = {
  Bounce: 'bounce',
  Complaint: 'complaint',
  Delivery: 'delivery',
  DeliveryDelay: 'deliveryDelay',
};

export interface ParseSesEventOptions {
  provider: string;
  messageIdTag: string;
  /** Stable id of the notification (SNS MessageId); event ids are `<id>:<recipient>`. */
  notificationId: string;
  /** Fallback time (SNS Timestamp). */
  fallbackAt: Date;
}

/**
 * One SES event (the SNS `Message`, parsed) → DeliveryEvents. Unknown types and SES's own notices
 * (AmazonSnsSubscriptionSucceeded) yield none; a known type without its detail object is 'invalid'.
 */
export function parseSesEvent(payload: unknown, options: ParseSesEventOptions): DeliveryEvent[] {
  const event = obj(payload);
  if (!event) return [];
  const kind = str(event['eventType']) ?? str(event['notificationType']);
  if (kind === undefined) return [];
  // Own keys only: a kind named like an Object member ('constructor') is simply unknown.
  const key = Object.hasOwn(detailKey, kind) ? detailKey[kind] : undefined;
  if (key !== undefined && !obj(event[key]))
    throw new RelayError({
      kind: 'invalid',
      provider: options.provider,
      message: `SES ${kind} event without its '${key}' object`,
    });
  const mail = obj(event['mail']) ?? {};
  const tags = fromMailTags(mail['tags'], options.messageIdTag);
  const providerMessageId = str(mail['messageId']);
  const fromText = str(mail['source']) ?? str(list(obj(mail['commonHeaders'])?.['from'])[0]);
  const from = fromText === undefined ? undefined : normalizeRecipient(fromText);
  const seen = new Set<string>();
  const events: DeliveryEvent[] = [];
  for (const draft of drafts(kind, event, mail)) {
    const recipient = normalizeRecipient(draft.recipient);
    if (recipient === undefined || seen.has(recipient)) continue;
    seen.add(recipient);
    events.push(
      kit.deliveryEvent({
        id: `${options.notificationId}:${recipient}`,
        type: draft.type,
        provider: options.provider,
        recipient,
        at: draft.at ?? options.fallbackAt,
        tags: tags.tags,
        metadata: tags.metadata,
        raw: event,
        messageId: tags.messageId,
        providerMessageId,
        from,
        stream: tags.stream,
        bounce: draft.bounce,
        url: draft.url,
        userAgent: draft.userAgent,
      }),
    );
  }
  return events;
}

export interface SesWebhookSettings extends SesWebhookOptions {
  provider: string;
  messageIdTag: string;
}

const day = 24 * 60 * 60 * 1000;

/**
 * What an SNS notification that is not an SES event is, for the misrouted alert. Inbound mail
 * comes as `notificationType: "Received"` from a receipt rule's SNS action (SES developer guide,
 * "Amazon SES email receiving: notification contents"). Fixed texts only.
 */
function misrouted(inner: unknown): string | undefined {
  const event = obj(inner);
  if (!event) return undefined;
  const kind = str(event['eventType']) ?? str(event['notificationType']);
  if (kind === 'Received')
    return 'inbound mail (an SES receipt rule notification, notificationType Received): publish receipt rules to another topic, not the one this endpoint reads events from';
  if (kind === undefined)
    return 'an SNS notification that is not an SES event (no eventType or notificationType): this topic carries messages from another publisher';
  return undefined;
}

const reasonOf = (error: unknown) =>
  kit.unreadableReason(error, (name) => `SNS webhook could not be read (${name})`);

/** verify and parse see the same request: its envelope is read once. */
const envelopeOf = kit.readOnce((request) => parseEnvelope(request.body));

/**
 * The Provider's `webhook` member: SNS verification, then SES events. Parse reports what it cannot
 * read (`unreadable`) and inbound or foreign notifications (`misrouted`) rather than throwing; it
 * throws only when confirming a subscription fails, so SNS sends the confirmation again.
 */
export function createSesWebhook(settings: SesWebhookSettings): kit.ProviderWebhook {
  const { provider } = settings;
  const maxAgeMs = settings.maxAgeMs ?? day;
  const verifier = settings.topicArns
    ? createSnsVerifier({
        topicArns: settings.topicArns,
        maxAgeMs,
        ...(settings.fetchCertificate ? { fetchCertificate: settings.fetchCertificate } : {}),
      })
    : undefined;

  return {
    async verify(request, context) {
      if (settings.dangerouslySkipVerification) return;
      if (!verifier) {
        throw new RelayError({
          kind: 'config',
          provider,
          message:
            'SES webhooks are not configured: pass webhook.topicArns (the SNS topics your configuration set publishes to) to ses()',
        });
      }
      await verifier.verify(envelopeOf(request), context.now());
    },

    async parse(request, context): Promise<kit.WebhookParseResult> {
      let envelope: SnsEnvelope;
      try {
        envelope = envelopeOf(request);
      } catch (error) {
        return { events: [], unreadable: [{ reason: reasonOf(error) }] };
      }
      if (envelope.Type === 'SubscriptionConfirmation') return confirm(envelope, context);
      if (envelope.Type === 'UnsubscribeConfirmation') {
        // SNS says the subscription ended; nothing to record. Re-subscribing is a person's decision.
        return { events: [], response: { status: 200, body: 'unsubscribe noted' } };
      }
      // No MessageId is remembered here: the relay records each event's id once its effects are
      // stored, so a redelivery after a failed first attempt is applied, and a replay (signed,
      // younger than maxAgeMs) carries the ids already recorded.
      let inner: unknown;
      try {
        inner = JSON.parse(envelope.Message);
      } catch {
        // e.g. "Successfully validated SNS topic for Amazon SES event publishing."
        return { events: [] };
      }
      const what = misrouted(inner);
      if (what !== undefined) return { events: [], misrouted: { what } };
      const at = date(envelope.Timestamp) ?? new Date(context.now());
      try {
        return {
          events: parseSesEvent(inner, {
            provider,
            messageIdTag: settings.messageIdTag,
            notificationId: envelope.MessageId,
            fallbackAt: at,
          }),
        };
      } catch (error) {
        return {
          events: [],
          unreadable: [{ eventId: envelope.MessageId.slice(0, 200), reason: reasonOf(error) }],
        };
      }
    },
  };

  async function confirm(
    envelope: SnsEnvelope,
    context: kit.WebhookContext,
  ): Promise<kit.WebhookParseResult> {
    if (settings.autoConfirm === false || envelope.SubscribeURL === undefined) {
      return {
        events: [],
        response: {
          status: 200,
          body: 'subscription not confirmed (autoConfirm is off): confirm it in the SNS console',
        },
      };
    }
    if (settings.topicArns && !settings.topicArns.includes(envelope.TopicArn)) {
      throw new RelayError({
        kind: 'auth',
        provider,
        message: `SNS webhook refused: topic ${envelope.TopicArn.slice(0, 256)} is not in webhook.topicArns`,
      });
    }
    // The URL is pinned to SNS before relaykit requests it (no SSRF).
    const url = checkSnsUrl(envelope.SubscribeURL, envelope.TopicArn, 'subscribe');
    // Confirming is idempotent at SNS, so a redelivered confirmation is simply confirmed again;
    // it is not deduplicated, or a failed first try could never be retried.
    let response: Response;
    try {
      response = await context.fetch(url.toString(), {
        method: 'GET',
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new RelayError({
        kind: 'transient',
        provider,
        message: 'could not confirm the SNS subscription; SNS will resend the confirmation',
        cause: error,
      });
    }
    if (!response.ok) {
      throw new RelayError({
        kind: 'transient',
        provider,
        status: response.status,
        message: `SNS answered ${response.status} to the subscription confirmation`,
      });
    }
    return { events: [], response: { status: 200, body: 'subscription confirmed' } };
  }
}
