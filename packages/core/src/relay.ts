import type { CampaignHandle, CampaignOptions } from './campaign/types.ts';
import type { RelayError } from './errors.ts';
import type { DeliveryEvent } from './events.ts';
import type { MessageInput } from './message.ts';
import { createPipeline } from './pipeline/context.ts';
import { ingest as ingestEvents, status } from './pipeline/record.ts';
import { enqueue } from './pipeline/schedule.ts';
import { send, sendBatch } from './pipeline/send.ts';
import type { EventPolicy, PolicyDecision, SendGuard, ThrottlePort } from './ports.ts';
import type { Provider } from './provider.ts';
import type { QueueEvent, QueueOptions } from './queue.ts';
import {
  campaignStarter,
  closeRelay,
  queueRunner,
  storesOf,
  webhookIntake,
} from './relay-wiring.ts';
import type { RetryOptions } from './retry.ts';
import type { CircuitEvent, RoutingOptions } from './routing.ts';
import type {
  CampaignStore,
  DedupeStore,
  Ledger,
  MessageStateStore,
  Outbox,
  RecipientState,
  StoreSet,
  StrikeStore,
  SuppressionStore,
} from './stores.ts';
import type { StreamOptions } from './streams.ts';
import { createRelaySuppressions, type RelaySuppressions } from './suppression/facade.ts';
import type { TelemetryOptions } from './telemetry.ts';
import type { ThrottleEvent } from './throttle/events.ts';
import type { RelayWebhooks } from './webhooks.ts';

export interface RecipientResult {
  address: string;
  status: 'sent' | 'suppressed' | 'rejected';
  provider?: string;
  providerMessageId?: string;
  /** Why it was suppressed or rejected. */
  reason?: string;
  error?: RelayError;
}

export interface SendReport {
  messageId: string;
  /**
   * sent: every recipient accepted; partial: some were; none: no recipient was (all suppressed or
   * rejected); scheduled: held in the outbox until its sendAt (recipients are decided then).
   */
  status: 'sent' | 'partial' | 'none' | 'scheduled';
  /** For a scheduled message: when the outbox sends it. */
  scheduledFor?: Date;
  stream?: string;
  provider?: string;
  providerMessageId?: string;
  /** The provider's template id, for a templated message. */
  template?: string;
  attempts: number;
  recipients: RecipientResult[];
}

export type BatchResult =
  | { ok: true; messageId: string; report: SendReport }
  | { ok: false; messageId?: string; error: RelayError };

export interface SuppressionOptions {
  store?: SuppressionStore;
  /** Where the default policy counts soft-bounce strikes (persist it with the store). @default memory */
  strikes?: StrikeStore;
  policy?: EventPolicy;
  /** drop: send to the rest and report the suppressed; refuse: fail the whole send. @default 'drop' */
  mode?: 'drop' | 'refuse';
}

export interface RelayOptions {
  providers: Provider[];
  /**
   * Every store from one backend: what `sqliteStores()` and `redisStores()` return (suppression,
   * strikes, ledger, state, dedupe, outbox, rate, campaigns). A store given on its own (`ledger`,
   * `suppression.store`, `outbox`, ...) wins over the set's.
   */
  stores?: StoreSet;
  routing?: RoutingOptions;
  retry?: RetryOptions;
  streams?: Record<string, StreamOptions>;
  defaultStream?: string;
  /**
   * On by default: a memory store and createSuppressionPolicy(), so a suppressed address is never
   * sent to again. Give a persistent store (sqlite, redis) to keep the list across restarts;
   * false turns suppression off entirely (no check, no policy).
   */
  suppression?: SuppressionOptions | false;
  /**
   * On by default: createThrottle() (per mailbox-provider profile by MX rollup, per provider
   * account, adaptive to deferrals and 429s). false turns throttling off.
   */
  throttle?: ThrottlePort | false;
  /**
   * Account-health guard. On by default: createHealthGuard(), holding each provider to the
   * thresholds it declares (`Provider.accountHealth`), else warn at 5% bounces / 0.1% complaints
   * and pause the sending domain at 10% / 0.3% (`defaultHealthThresholds`), after 200 sends in 7 days. false turns it off.
   */
  guard?: SendGuard | false;
  ledger?: Ledger;
  state?: MessageStateStore;
  dedupe?: DedupeStore;
  /** Parallel sends in sendBatch, and each provider's batch calls in flight. @default 16 */
  concurrency?: number;
  /** How long webhook event ids are remembered for dedupe. @default 7 days */
  eventDedupeTtlMs?: number;
  /** Largest webhook body read. @default 1 MiB */
  maxWebhookBytes?: number;
  fetch?: typeof fetch;
  /** Where `enqueue` stores messages. @default an in-process outbox (lost on exit) */
  outbox?: Outbox;
  /**
   * Where `campaign` keeps its progress. A resume reads what was sent from the outbox, so give one
   * with the outbox of the same backend (`stores` gives both). @default the store set's, else in-process
   */
  campaigns?: CampaignStore;
  queue?: QueueOptions;
  /**
   * The clock deciding whether a `sendAt` is due (and stamping queued messages). Give the outbox
   * the same one. @default Date.now
   */
  now?: () => number;
  /**
   * OpenTelemetry traces and metrics (docs/operations.md). On whenever `@opentelemetry/api` is
   * installed: spans and metrics go to the SDK you register, and cost nothing without one.
   * false turns it off.
   */
  telemetry?: TelemetryOptions | false;
}

export interface EnqueueOptions {
  /** Not before this time. */
  sendAt?: Date;
  /** Lifetime before the message expires unsent. @default queue.maxAgeMs (72 h) */
  expiresInMs?: number;
  /** Your open transaction (a pg client for @relaykit/postgres): queued iff it commits. */
  tx?: unknown;
}

export interface SendOutcomeEvent {
  messageId: string;
  report?: SendReport;
  error?: RelayError;
}

export interface RelayEvents {
  event: DeliveryEvent;
  send: SendOutcomeEvent;
  failover: { messageId: string; from: string; to: string; error: RelayError };
  retry: { messageId: string; provider: string; attempt: number; error: RelayError };
  circuit: CircuitEvent;
  suppression: PolicyDecision & { event: DeliveryEvent };
  throttle: ThrottleEvent;
  alert: { type: string; message: string; [key: string]: unknown };
  error: { message: string; error: unknown };
  queue: QueueEvent;
}

export interface Relay {
  send(message: MessageInput, options?: { signal?: AbortSignal }): Promise<SendReport>;
  sendBatch(
    messages: readonly MessageInput[],
    options?: {
      concurrency?: number;
      signal?: AbortSignal;
      /** Use providers' own batch calls where a message's first provider has one. @default true */
      providerBatches?: boolean;
    },
  ): Promise<BatchResult[]>;
  /**
   * Validates and stores a message for the workers; resolves with its id once the outbox holds it
   * durably. Invalid messages are refused here, not later.
   */
  enqueue(message: MessageInput, options?: EnqueueOptions): Promise<string>;
  enqueueMany(messages: readonly MessageInput[], options?: EnqueueOptions): Promise<string[]>;
  /**
   * Runs a campaign: a canary cohort first (stratified by recipient domain), held until its
   * outcomes are in and judged against bounce, complaint, block and deferral thresholds, then the
   * rest, through the outbox. Running it again with the same id resumes it (docs/campaigns.md).
   */
  campaign(options: CampaignOptions): CampaignHandle;
  /** Starts the queue workers in this process. */
  start(): void;
  /** Stops claiming queued messages and waits for the ones in flight. */
  stop(): Promise<void>;
  readonly outbox: Outbox;
  on<K extends keyof RelayEvents>(name: K, listener: (payload: RelayEvents[K]) => void): () => void;
  /** Feeds events into the relay (webhook intake, the testing provider, tests). Duplicates are ignored. */
  ingest(events: readonly DeliveryEvent[]): Promise<DeliveryEvent[]>;
  readonly webhooks: RelayWebhooks;
  status(messageId: string): Promise<RecipientState[]>;
  readonly providers: readonly Provider[];
  readonly stores: {
    ledger: Ledger;
    state: MessageStateStore;
    dedupe: DedupeStore;
    suppression?: SuppressionStore;
  };
  /** The suppression list: check, add, remove (audited), list, export and import CSV. */
  readonly suppressions: RelaySuppressions;
  /** The account-health guard in use (`guard.resume?.(domain)` lifts a pause), if any. */
  readonly guard: SendGuard | undefined;
  close(): Promise<void>;
}

/** Builds the relay: validate → suppress → route → throttle → attempt → settle → record. */
export function createRelay(options: RelayOptions): Relay {
  const ctx = createPipeline(options);
  const { emitter, outbox, providers } = ctx;
  const ingest = (events: readonly DeliveryEvent[]) => ingestEvents(ctx, events);
  const runner = queueRunner(ctx);
  const enqueueMany = (inputs: readonly MessageInput[], enqueueOptions?: EnqueueOptions) =>
    enqueue(ctx, inputs, enqueueOptions);
  const relay: Relay = {
    send: (message, sendOptions) => send(ctx, message, sendOptions),
    sendBatch: (messages, batchOptions) => sendBatch(ctx, messages, batchOptions),
    enqueueMany,
    enqueue: async (message, enqueueOptions) =>
      (await enqueueMany([message], enqueueOptions))[0] as string,
    campaign: campaignStarter(ctx, options, enqueueMany, runner),
    start: () => runner.start(),
    stop: () => runner.stop(),
    outbox,
    on: (name, listener) => emitter.on(name, listener),
    ingest,
    webhooks: webhookIntake(ctx, options, ingest),
    status: (messageId) => status(ctx, messageId),
    providers,
    stores: storesOf(ctx),
    suppressions: createRelaySuppressions(ctx.suppression?.store, ctx.policy),
    guard: ctx.guard,
    close: () => closeRelay(runner, outbox, providers),
  };
  for (const provider of providers) provider.attach?.({ ingest });
  return relay;
}
