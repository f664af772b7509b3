export * from './address.ts';
export * from './errors.ts';
export * from './events.ts';
export {
  assertHeaderSafe,
  headerFault,
  isHeaderSafe,
  unsafeHeaderField,
  type HeaderBound,
} from './header-safety.ts';
export * from './http.ts';
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
export * from './ids.ts';
export {
  defaultMaxMessageBytes,
  listUnsubscribeHeaders,
  messageInputSchema,
  normalizeMessage,
  recipientDomainsOf,
  recipientsOf,
  templateIdFor,
  templateProviderTypes,
  withoutRecipients,
  type Attachment,
  type MessageTemplate,
  type TemplateProviderType,
  type ListUnsubscribe,
  type Message,
  type MessageInput,
  type NormalizeOptions,
} from './message.ts';
export * from './provider.ts';
export * from './stores.ts';
export * from './emitter.ts';
export * from './ports.ts';
export * from './relay.ts';
export * from './retry.ts';
export * from './routing.ts';
export * from './streams.ts';
export * from './webhooks.ts';
export { memoryDedupe, type MemoryDedupeOptions } from './memory/dedupe.ts';
export { memoryLedger, type MemoryLedgerOptions } from './memory/ledger.ts';
export { memoryStateStore, type MemoryStateOptions } from './memory/state.ts';
export { applyEvent, initialState } from './state/machine.ts';
export { classifyBounce, type BounceClassification, type BounceInput } from './bounce/classify.ts';
export { bounceCategories, isBounceCategory, type BounceCategory } from './bounce/categories.ts';
export type { BounceHint } from './bounce/hints.ts';
export { parseSmtpReply, parseSmtpStage, type SmtpStage } from './bounce/smtp.ts';
export {
  deserializeMessage,
  reviveRecipientState,
  serializeMessage,
  serializeRecipientState,
} from './codec.ts';
export { memoryOutbox } from './memory/outbox.ts';
export {
  backoffDelay,
  createQueueRunner,
  decide,
  defaultBackoffMs,
  toQueued,
  type QueueEvent,
  type QueueOptions,
  type QueueRunner,
} from './queue.ts';
export { nodeWebhookListener, serveWebhooks, toWebRequest, type WebhookServer } from './node.ts';
export { maxWebhookDepth, nestsDeeperThan } from './webhook-bounds.ts';
export { cleanText } from './text.ts';
export { memorySuppressionStore, type MemorySuppressionOptions } from './memory/suppression.ts';
export { memoryStrikeStore, type MemoryStrikeOptions } from './memory/strikes.ts';
export {
  createSuppressionPolicy,
  type SuppressionAlert,
  type SuppressionPolicy,
  type SuppressionPolicyOptions,
} from './suppression/policy.ts';
export {
  exportSuppressionsCsv,
  importSuppressionsCsv,
  suppressionCsvColumns,
  suppressionCsvLines,
} from './suppression/csv.ts';
export { suppressionAddress } from './suppression/address.ts';
export { rejectionBounce } from './suppression/rejections.ts';
export type { RelaySuppressions } from './suppression/facade.ts';
export {
  createHealthGuard,
  type HealthAlert,
  type HealthGuard,
  type HealthGuardOptions,
  type HealthStatus,
  type HealthThresholds,
} from './health.ts';
export {
  createThrottle,
  type AccountOptions,
  type BudgetSnapshot,
  type ProfileOptions,
  type Throttle,
  type ThrottleOptions,
} from './throttle/throttle.ts';
export { memoryRateStore, type MemoryRateStoreOptions } from './throttle/bucket.ts';
export {
  createMxRollup,
  type MxResolver,
  type MxRollup,
  type MxRollupOptions,
} from './throttle/mx.ts';
export {
  defaultSlowDownRules,
  type AdaptiveOptions,
  type SlowDownAction,
  type SlowDownRule,
} from './throttle/adaptive.ts';
export {
  bottleneckLimiter,
  type BottleneckGroupLike,
  type BottleneckLike,
  type BottleneckLimiterOptions,
  type Limiter,
} from './throttle/limiter.ts';
export {
  defaultAccountLimits,
  defaultMxSuffixes,
  defaultProfileLimits,
  mailboxProviders,
  providerOfMx,
  wellKnownDomains,
  type AccountLimitsOptions,
  type AccountUnit,
  type MailboxProvider,
  type ProfileLimits,
  type ProfileName,
} from './throttle/profiles.ts';
export type { ThrottleEvent } from './throttle/events.ts';
export { parseFactoryOptions } from './options.ts';
export { sleep } from './sleep.ts';
export { pollingConsumer, type PollingConsumerOptions } from './polling.ts';
