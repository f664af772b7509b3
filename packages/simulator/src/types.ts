/** The four relays the simulator speaks. */
export type ProviderName = 'ses' | 'postmark' | 'mailgun' | 'resend';

export const PROVIDERS: readonly ProviderName[] = ['ses', 'postmark', 'mailgun', 'resend'];

/**
 * What a failure rule makes an endpoint do. Each provider renders the kind in its own status,
 * headers and body; `reset` and `stall` act on the socket; `malformed` answers 200 with a body
 * no client can read (cut-off JSON).
 */
export type FaultKind =
  | 'auth'
  | 'validation'
  | 'rate-limit'
  | 'quota'
  | 'server-error'
  | 'unavailable'
  | 'account-paused'
  | 'account-suspended'
  | 'inactive-recipient'
  | 'reset'
  | 'stall'
  | 'malformed';

/** A failure-injection rule. Every condition given must hold for the rule to fire. */
export interface FailureRule {
  /** Limit the rule to one or more providers. */
  readonly provider?: ProviderName | readonly ProviderName[];
  /** `send` (single message), `batch` (batch/bulk endpoints) or `account` (SES GetAccount). */
  readonly operation?: 'send' | 'batch' | 'account';
  /** An exact address, `@domain`, a bare domain, or a RegExp tested against each recipient. */
  readonly recipient?: string | RegExp;
  /** Fire on the Nth, 2Nth, 3Nth… request that matches the other conditions. */
  readonly everyNth?: number;
  /** Active from this time (epoch ms or Date), inclusive. */
  readonly from?: number | Date;
  /** Active until this time (epoch ms or Date), exclusive. */
  readonly until?: number | Date;
  /** Fire at most this many times. */
  readonly times?: number;
  /** What to do. Defaults from `status` (401→auth, 400/422→validation, 429→rate-limit, 503→unavailable, 5xx→server-error). */
  readonly fault?: FaultKind;
  /** The HTTP status to answer with, when the provider's format allows a choice. */
  readonly status?: number;
  /** Seconds announced in Retry-After (and rate-limit reset headers) for `rate-limit`. */
  readonly retryAfterSeconds?: number;
  /** For `stall`: answer normally after this many ms; without it the request never gets an answer. */
  readonly delayMs?: number;
  /** Overrides the provider's error message text. */
  readonly message?: string;
}

/** What a recipient's mailbox does with a message the relay accepted. */
export type RecipientBehaviour =
  | 'deliver'
  | 'hard-bounce'
  | 'soft-bounce'
  | 'defer'
  | 'block'
  | 'complaint'
  | 'suppressed'
  | { readonly kind: 'deliver'; readonly delayMs?: number }
  | { readonly kind: 'hard-bounce' }
  /** 452 4.2.2 mailbox full on the first `failures` tries (default 2), then `then` (default delivered). */
  | {
      readonly kind: 'soft-bounce';
      readonly failures?: number;
      readonly then?: 'delivered' | 'bounced';
    }
  /** 421 4.7.28 rate limited on the first `failures` tries (default 2), then `then` (default delivered). */
  | { readonly kind: 'defer'; readonly failures?: number; readonly then?: 'delivered' | 'bounced' }
  | { readonly kind: 'block' }
  | { readonly kind: 'complaint' }
  | { readonly kind: 'suppressed' };

/** A message a send endpoint accepted. */
export interface SimMessage {
  readonly provider: ProviderName;
  /** The provider's message id exactly as the send response carried it. */
  readonly id: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  /** For a templated send, the template's subject rendered with the merge data. */
  readonly subject: string;
  /** The body as sent, or as the stored template rendered it (html escaped). */
  readonly html?: string;
  readonly text?: string;
  /** The template id, alias or name a templated send named. */
  readonly template?: string;
  /** The merge data a templated send carried (for SES bulk and Mailgun, the recipient's own). */
  readonly templateData?: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
  /** SES EmailTags, Mailgun o:tag (name = value = tag), Resend tags, Postmark Tag (name "Tag"). */
  readonly tags: Readonly<Record<string, string>>;
  /** Postmark Metadata, Mailgun v:* variables. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly attachments: number;
  readonly idempotencyKey?: string;
  /** Postmark MessageStream, SES ConfigurationSetName, Mailgun domain. */
  readonly stream?: string;
  readonly acceptedAt: number;
  /** When the send asked for delivery (Mailgun `o:deliverytime`, Resend `scheduled_at`), epoch ms. */
  readonly scheduledAt?: number;
}

/** The neutral kind of an outcome step; each provider names it its own way. */
export type OutcomeKind =
  'sent' | 'delivered' | 'deferred' | 'bounced' | 'complained' | 'suppressed';

/** A webhook the simulator generated, and what happened when it posted it. */
export interface SimEvent {
  readonly provider: ProviderName;
  /** The provider's dedupe id: SNS MessageId, Mailgun token, svix-id, Postmark trace id. */
  readonly id: string;
  /** The provider's own event name: `Bounce`, `email.delivered`, `failed`, `SubscriptionConfirmation`… */
  readonly type: string;
  readonly kind: OutcomeKind | 'subscription';
  readonly messageId: string;
  readonly recipient: string;
  /** The event content: SES inner Message, Postmark record, Mailgun {event-data}, Resend {type, created_at, data}. */
  readonly payload: unknown;
  /** True for a deliberate duplicate (webhooks.duplicates). */
  readonly duplicate: boolean;
  url: string | undefined;
  /** The exact body and headers of the last attempt (empty while unsent). */
  body: string;
  headers: Record<string, string>;
  attempts: number;
  /** pending: not yet answered; delivered: a 2xx; failed: gave up; dropped: a status the provider never retries; unsent: no URL. */
  state: 'pending' | 'delivered' | 'failed' | 'dropped' | 'unsent';
  responseStatus: number | undefined;
}
