import type { BounceHints } from './bounce/hints.ts';
import type { RelayError } from './errors.ts';
import type { AccountHealthThresholds } from './health.ts';
import type { BounceInfo, DeliveryEvent } from './events.ts';
import type { Message } from './message.ts';

export interface ProviderCapabilities {
  /** Largest batch `sendBatch` takes; 1 when the provider has no batch call. */
  maxBatchSize: number;
  /** The provider dedupes on `SendContext.idempotencyKey`. */
  idempotency: boolean;
  /** The provider can hold a message until `message.sendAt`. */
  scheduling: boolean;
  /**
   * How far ahead of now the provider holds a message natively, in ms (Mailgun 3 days, Resend 30
   * days); 0 when it cannot schedule. The relay hands a provider a future `sendAt` only within
   * it. Absent: unlimited when `scheduling` is true, else 0.
   */
  schedulingHorizonMs?: number;
  inlineAttachments: boolean;
  maxMessageBytes: number;
  /** Recipients (To, Cc and Bcc together) one message may have; the relay refuses more. */
  maxRecipients: number;
  /**
   * The provider sends `message.template` with its own stored templates (by the id
   * `templateIdFor(message, type)` gives). Absent or false: routing never hands it a templated
   * message.
   */
  templates?: boolean;
  /**
   * What the provider's account send rate counts, for the throttle's account budget: each
   * recipient, each message, or each API request. @default 'requests'
   */
  rateUnit?: 'messages' | 'recipients' | 'requests';
  /**
   * The account rate the throttle starts from, in `rateUnit`s per second, until the user sets
   * one, `accountLimits()` reports one, or a 429 teaches one. Absent: no cap.
   */
  accountRate?: { rate: number; burst?: number };
}

/** How far ahead a provider schedules natively, in ms (0: it cannot). */
export function schedulingHorizon(capabilities: ProviderCapabilities): number {
  return (
    capabilities.schedulingHorizonMs ?? (capabilities.scheduling ? Number.POSITIVE_INFINITY : 0)
  );
}

export interface SendContext {
  /** 1 on the first attempt. */
  attempt: number;
  /** The same on every attempt of one message. */
  idempotencyKey: string;
  /**
   * The caller's signal, when it gave one: the attempt stops when it aborts. It may be shared by
   * many sends, so an adapter adds no listener it does not remove when the attempt ends (see
   * `runAttempt`, which also bounds the attempt by the adapter's `timeoutMs`).
   */
  signal?: AbortSignal;
}

export interface RecipientRejection {
  recipient: string;
  error: RelayError;
}

export interface SendResult {
  providerMessageId: string;
  /** Recipients the provider accepted. */
  accepted: string[];
  /** Recipients the provider refused while accepting the rest. */
  rejected: RecipientRejection[];
  raw?: unknown;
}

/** What a provider reports of its account limits, to seed the throttle. */
export interface AccountLimits {
  /** Messages per second the account may send. */
  maxSendRate?: number;
  max24HourSend?: number;
  sentLast24Hours?: number;
  /** The provider reports the account cannot send now (paused, suspended). */
  sendingEnabled?: boolean;
}

/**
 * A webhook request's headers, read by name in any case, as a web `Headers` reads them (a
 * `Headers` is one): the value, several joined by ", ", or null.
 */
export interface WebhookHeaders {
  get(name: string): string | null;
}

/** A webhook request as received: the raw body is kept so signatures can be checked byte for byte. */
export interface WebhookRequest {
  method: string;
  url: string;
  headers: WebhookHeaders;
  body: string;
}

export interface WebhookContext {
  now(): number;
  /**
   * Records `key` for `ttlMs` and says whether it was new. Adapters use it for replay guards
   * (Mailgun tokens, SNS message ids); it is shared across processes when the store is. Called
   * from `verify`, the key is recorded at once (call it only once the request is authenticated);
   * called from `parse`, it is recorded only after the events are stored, so a delivery answered
   * 5xx is not mistaken for a replay when the provider sends it again.
   */
  remember(key: string, ttlMs: number): Promise<boolean>;
  /** Makes an outbound HTTP request, e.g. to confirm an SNS subscription. */
  fetch: typeof fetch;
}

export interface WebhookParseResult {
  events: DeliveryEvent[];
  /** A reply other than 200 with an empty body, when the provider expects one. */
  response?: { status: number; body?: string; headers?: Record<string, string> };
  /**
   * Authenticated deliveries the adapter could not turn into events (an unknown shape, a value
   * out of bounds). The relay acknowledges the request, so the provider stops redelivering a
   * poison message, and reports each one as a `webhook-unreadable` alert.
   */
  unreadable?: Array<{ eventId?: string; reason: string }>;
  /**
   * An authenticated request that carries no delivery events at all (inbound mail posted to a
   * tracking hook, say). Acknowledged and reported as a `webhook-misrouted` alert that names the
   * provider and what arrived, so the user finds the mis-wired hook.
   */
  misrouted?: { what: string };
}

export interface ProviderWebhook {
  /** Throws a RelayError of kind 'auth' when the request is not authentic. */
  verify(request: WebhookRequest, context: WebhookContext): Promise<void>;
  /** Throws a RelayError of kind 'invalid' when the body cannot be read. */
  parse(request: WebhookRequest, context: WebhookContext): Promise<WebhookParseResult>;
}

/**
 * What every adapter returns from its factory. `send` throws a RelayError for any failure of the
 * whole message; per-recipient refusals go in `SendResult.rejected`.
 */
export interface Provider {
  /** The name the relay knows this provider by (defaults to `type`; set it to use one type twice). */
  readonly name: string;
  /** 'ses' | 'postmark' | 'mailgun' | 'resend' | 'testing' | ... */
  readonly type: string;
  readonly capabilities: ProviderCapabilities;
  send(message: Message, context: SendContext): Promise<SendResult>;
  /** One entry per message, in order: a result, or the error for that message alone. */
  sendBatch?(
    messages: readonly Message[],
    context: Omit<SendContext, 'idempotencyKey'>,
  ): Promise<Array<SendResult | RelayError>>;
  readonly webhook?: ProviderWebhook;
  /**
   * What this provider's refusal of named recipients (a RelayError of kind 'recipient-rejected')
   * says about the addresses when its own code says more than an SMTP reply would: e.g. that the
   * provider holds them as inactive (hard, 'suppressed'), so the relay suppresses them too.
   * Absent, or undefined for an error: the relay reads the SMTP reply the error carries.
   */
  rejectionBounce?(error: RelayError): BounceInfo | undefined;
  /**
   * The provider's bounce vocabulary: what its own bounce type names mean, as its webhook reads
   * them and as `classifyBounce(input, provider.bounceHints)` reads a hint in those names.
   */
  readonly bounceHints?: BounceHints;
  accountLimits?(signal?: AbortSignal): Promise<AccountLimits | undefined>;
  /**
   * The bounce and complaint rates at which the provider reviews or pauses an account, for the
   * relay's health guard (`createHealthGuard`). Absent: the guard's defaults.
   */
  readonly accountHealth?: AccountHealthThresholds;
  /** Called by the relay for providers that produce events themselves (e.g. the testing provider). */
  attach?(sink: EventSink): void;
  close?(): Promise<void>;
}

/** Where a provider that produces events itself hands them to the relay. */
export interface EventSink {
  ingest(events: readonly DeliveryEvent[]): Promise<DeliveryEvent[]>;
}
