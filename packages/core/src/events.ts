/** The event model every provider's webhooks are mapped into. */
export const deliveryEventTypes = [
  'accepted',
  'delivered',
  'deferred',
  'bounced',
  'complained',
  'rejected',
  'suppressed',
  'opened',
  'clicked',
  'unsubscribed',
  'unknown',
] as const;

export type DeliveryEventType = (typeof deliveryEventTypes)[number];

export type BounceClass = 'hard' | 'soft' | 'block' | 'undetermined';

/** What a bounce or deferral means, as decided by `classifyBounce`. */
export interface BounceInfo {
  class: BounceClass;
  /** A finer reason, e.g. 'unknown-user', 'mailbox-full', 'policy', 'rate-limit'. */
  category: string;
  smtpStatus?: number;
  enhancedStatus?: string;
  diagnostic?: string;
}

export interface DeliveryEvent {
  /** Stable across the provider's redeliveries of the same notification (dedupe key). */
  id: string;
  type: DeliveryEventType;
  /** The relay's name for the provider that reported it. */
  provider: string;
  /** relaykit's message id; adapters fill it from tags/metadata, core from the ledger. */
  messageId?: string;
  providerMessageId?: string;
  /** The recipient address the event concerns (normalised, lower-case domain). */
  recipient: string;
  at: Date;
  bounce?: BounceInfo;
  url?: string;
  userAgent?: string;
  /** The sending address, when the payload carries it (for per-domain health). */
  from?: string;
  stream?: string;
  tags: string[];
  metadata: Record<string, string>;
  /** The provider's payload (or the part of it this event came from). */
  raw: unknown;
}
