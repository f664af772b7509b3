// What an application uses. Adapter authors (providers, stores) find the rest at
// '@relaykit/core/adapter'; the in-memory testing provider is at '@relaykit/core/testing'.
// The list is documented in docs/concepts.md ("What @relaykit/core exports").

// The relay
export {
  createRelay,
  type BatchResult,
  type EnqueueOptions,
  type RecipientResult,
  type Relay,
  type RelayEvents,
  type RelayOptions,
  type SendOutcomeEvent,
  type SendReport,
  type SuppressionOptions,
} from './relay.ts';
export type {
  CampaignCounts,
  CampaignHandle,
  CampaignOptions,
  CampaignPace,
  CampaignProgress,
  CampaignRecipient,
  CampaignReport,
  CampaignTemplate,
  CanaryBreach,
  CanaryMetric,
  CanaryOptions,
  CanaryReport,
  CanaryThresholds,
} from './campaign/types.ts';
export { DEFAULT_CANARY_THRESHOLDS } from './campaign/thresholds.ts';
export { drawCohort } from './campaign/cohort.ts';
export type { TelemetryOptions } from './telemetry.ts';
export type { RetryOptions } from './retry.ts';
export type { CircuitEvent, RoutingOptions, RoutingStrategy } from './routing.ts';
export type { StreamOptions } from './streams.ts';
export type { QueueEvent, QueueOptions } from './queue.ts';
export type { Provider } from './provider.ts';

// Messages, errors, events
export {
  normalizeMessage,
  type Attachment,
  type MessageTemplate,
  type TemplateProviderType,
  type ListUnsubscribe,
  type Message,
  type MessageInput,
} from './message.ts';
export type { Address, AddressInput } from './address.ts';
export {
  RelayError,
  isRelayError,
  relayErrorKinds,
  type RelayErrorKind,
  type SmtpReply,
} from './errors.ts';
export {
  deliveryEventTypes,
  type BounceClass,
  type BounceInfo,
  type DeliveryEvent,
  type DeliveryEventType,
} from './events.ts';
export { bounceCategories, type BounceCategory } from './bounce/categories.ts';
export { classifyBounce, type BounceClassification, type BounceInput } from './bounce/classify.ts';
export { bounceHints, type BounceHint, type BounceHints } from './bounce/hints.ts';

// Webhooks
export { nodeWebhookListener, serveWebhooks, toWebRequest, type WebhookServer } from './node.ts';
export type {
  RawWebhookRequest,
  RelayWebhooks,
  WebhookAlert,
  WebhookAnswer,
  WebhookHandler,
} from './webhooks.ts';

// Stores: the contracts createRelay takes, and the in-memory defaults
export {
  suppressionReasons,
  type CampaignPhase,
  type CampaignRecord,
  type CampaignStore,
  type DedupeStore,
  type Ledger,
  type LedgerEntry,
  type MessageStateStore,
  type Outbox,
  type QueuedMessage,
  type RateStore,
  type RecipientState,
  type StoreSet,
  type StrikeStore,
  type SuppressionEntry,
  type SuppressionReason,
  type SuppressionStore,
} from './stores.ts';
export { memoryCampaignStore } from './memory/campaigns.ts';
export { memoryDedupe, type MemoryDedupeOptions } from './memory/dedupe.ts';
export { memoryLedger, type MemoryLedgerOptions } from './memory/ledger.ts';
export { memoryStateStore, type MemoryStateOptions } from './memory/state.ts';
export { memoryOutbox, type MemoryOutboxOptions } from './memory/outbox.ts';
export { memorySuppressionStore, type MemorySuppressionOptions } from './memory/suppression.ts';
export { memoryStrikeStore, type MemoryStrikeOptions } from './memory/strikes.ts';
export { memoryRateStore, type MemoryRateStoreOptions } from './throttle/bucket.ts';

// Suppression, health, throttle
export type { EventPolicy, PolicyDecision, SendGuard, ThrottlePort } from './ports.ts';
export {
  createSuppressionPolicy,
  type SuppressionAlert,
  type SuppressionPolicy,
  type SuppressionPolicyOptions,
} from './suppression/policy.ts';
export type { RelaySuppressions } from './suppression/facade.ts';
export { exportSuppressionsCsv, importSuppressionsCsv } from './suppression/csv.ts';
export {
  createHealthGuard,
  defaultHealthThresholds,
  type AccountHealthThresholds,
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
export type { ThrottleEvent } from './throttle/events.ts';
export type { MxResolver } from './throttle/mx.ts';
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
  defaultProfileLimits,
  mailboxProviders,
  type AccountLimitsOptions,
  type AccountUnit,
  type MailboxProvider,
  type ProfileLimits,
  type ProfileName,
} from './throttle/profiles.ts';
