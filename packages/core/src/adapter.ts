// What adapter authors need: the provider contract and its helpers (transport, HTTP, message
// and address helpers, bounce classification, webhook bounds), and the helpers store adapters
// share (state fold, codecs, outbox polling). Applications import from '@relaykit/core'.

// The provider contract
export {
  schedulingHorizon,
  type AccountLimits,
  type EventSink,
  type Provider,
  type ProviderCapabilities,
  type ProviderWebhook,
  type RecipientRejection,
  type SendContext,
  type SendResult,
  type WebhookContext,
  type WebhookHeaders,
  type WebhookParseResult,
  type WebhookRequest,
} from './provider.ts';
export type { AccountHealthThresholds, HealthThresholds } from './health.ts';
export { parseFactoryOptions } from './options.ts';
export { toRelayError, type RelayErrorOptions } from './errors.ts';

// Transport and HTTP
export {
  defaultTimeoutMs,
  runAttempt,
  toTransportError,
  transportError,
  transportFailureOf,
  transportFailureOfCode,
  transportFailures,
  type AttemptOptions,
  type TransportErrorOptions,
  type TransportFailure,
  type TransportRule,
} from './transport.ts';
export { classifyHttpStatus, parseRateLimitReset, parseRetryAfter } from './http.ts';

// Messages and addresses, as adapters convert them
export {
  defaultMaxMessageBytes,
  listUnsubscribeHeaders,
  messageInputSchema,
  recipientDomainsOf,
  recipientsOf,
  templateIdFor,
  templateProviderTypes,
  withoutRecipients,
  type NormalizeOptions,
} from './message.ts';
export { addressKey, domainOf, formatAddress, parseAddress } from './address.ts';
export {
  assertHeaderSafe,
  headerFault,
  isHeaderSafe,
  unsafeHeaderField,
  type HeaderBound,
} from './header-safety.ts';
export { newMessageId } from './ids.ts';
export { cleanText } from './text.ts';

// Events and bounces, as adapters read them from webhooks
export {
  bounceHints,
  type BounceHint,
  type BounceHints,
  type HintEntry,
  type HintMeaning,
} from './bounce/hints.ts';
export { parseSmtpReply, parseSmtpStage, type SmtpStage } from './bounce/smtp.ts';
export { rejectionBounce } from './suppression/rejections.ts';
export { maxWebhookDepth, nestsDeeperThan } from './webhook-bounds.ts';
export { webhookStatuses } from './webhooks.ts';

// Store adapters
export type {
  OutboxConsumer,
  OutboxCounts,
  QueueDecision,
  RateBucket,
  RateGrant,
  SerializedMessage,
  SuppressionPage,
  SuppressionRemoval,
} from './stores.ts';
export { applyEvent, initialState } from './state/machine.ts';
export {
  deserializeMessage,
  reviveRecipientState,
  serializeMessage,
  serializeRecipientState,
} from './codec.ts';
export { decide, toQueued } from './queue.ts';
export { pollingConsumer, type PollingConsumerOptions } from './polling.ts';
export { suppressionAddress } from './suppression/address.ts';
export { suppressionCsvColumns, suppressionCsvLines } from './suppression/csv.ts';
export { createMxRollup, type MxRollup, type MxRollupOptions } from './throttle/mx.ts';
export { defaultMxSuffixes, providerOfMx, wellKnownDomains } from './throttle/profiles.ts';
export { sleep } from './sleep.ts';
export { decodeCampaign, encodeCampaign } from './campaign/codec.ts';

// Shared by the provider adapters: option parsing, content and webhook results
export {
  adapterIdentity,
  checkCredentials,
  httpOptions,
  objectWith,
  sdkClientOption,
  signedWebhookOption,
  signedWebhookSchema,
  type SignedWebhookOption,
} from './adapter-kit/options.ts';
export {
  assertCarriable,
  base64Content,
  outgoingHeaders,
  type CarryLimits,
} from './adapter-kit/content.ts';
export {
  classifiedBounce,
  maxDiagnostic,
  replyFacts,
  type BounceFacts,
} from './adapter-kit/bounce.ts';
export { acceptedByAll } from './adapter-kit/result.ts';
export {
  deliveryEvent,
  readOnce,
  unreadableReason,
  unreadableWebhook,
  webhookResultFaults,
  type DeliveryEventFacts,
} from './adapter-kit/webhook.ts';
export {
  dropInClient,
  type ClientRelayOptions,
  type DropInClientSpec,
  type DropInProviderOptions,
  type RelaykitDetails,
} from './adapter-kit/client.ts';
