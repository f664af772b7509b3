import { addressKey, domainOf } from './address.ts';
import { createEmitter } from './emitter.ts';
import { RelayError, toRelayError } from './errors.ts';
import type { DeliveryEvent } from './events.ts';
import { memoryDedupe } from './memory/dedupe.ts';
import { memoryLedger } from './memory/ledger.ts';
import { memoryStateStore } from './memory/state.ts';
import {
  normalizeMessage,
  recipientsOf,
  withoutRecipients,
  type Message,
  type MessageInput,
} from './message.ts';
import type { EventPolicy, PolicyDecision, SendGuard, ThrottlePort } from './ports.ts';
import type { Provider } from './provider.ts';
import { deliver, type RetryOptions } from './retry.ts';
import {
  assertUniqueNames,
  createRouter,
  type CircuitEvent,
  type RoutingOptions,
} from './routing.ts';
import type {
  DedupeStore,
  Ledger,
  MessageStateStore,
  RecipientState,
  StrikeStore,
  SuppressionEntry,
  SuppressionStore,
} from './stores.ts';
import { createStreamPolicy, type StreamOptions } from './streams.ts';
import { createWebhookHandler, type WebhookHandler } from './webhooks.ts';
import type { ThrottleEvent } from './throttle/events.ts';
import { createThrottle } from './throttle/throttle.ts';
import { createHealthGuard } from './health.ts';
import { memorySuppressionStore } from './memory/suppression.ts';
import { createRelaySuppressions, type RelaySuppressions } from './suppression/facade.ts';
import { createSuppressionPolicy } from './suppression/policy.ts';
import { rejectionBounce } from './suppression/rejections.ts';
import { memoryOutbox } from './memory/outbox.ts';
import { createQueueRunner, toQueued, type QueueEvent, type QueueOptions } from './queue.ts';
import type { Outbox } from './stores.ts';

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
  /** sent: every recipient accepted; partial: some were; none: no recipient was (all suppressed or rejected). */
  status: 'sent' | 'partial' | 'none';
  stream?: string;
  provider?: string;
  providerMessageId?: string;
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
   * Account-health guard. On by default: createHealthGuard() with the SES thresholds (warn at 5%
   * bounces / 0.1% complaints, pause the sending domain at 10% / 0.5%, after 200 sends in 7 days).
   * false turns it off.
   */
  guard?: SendGuard | false;
  ledger?: Ledger;
  state?: MessageStateStore;
  dedupe?: DedupeStore;
  /** Parallel sends in sendBatch. @default 16 */
  concurrency?: number;
  /** How long webhook event ids are remembered for dedupe. @default 7 days */
  eventDedupeTtlMs?: number;
  /** Largest webhook body read. @default 1 MiB */
  maxWebhookBytes?: number;
  fetch?: typeof fetch;
  /** Where `enqueue` stores messages. @default an in-process outbox (lost on exit) */
  outbox?: Outbox;
  queue?: QueueOptions;
}

export interface EnqueueOptions {
  /** Not before this time. */
  sendAt?: Date;
  /** Lifetime before the message expires unsent. @default queue.maxAgeMs (72 h) */
  expiresInMs?: number;
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
    options?: { concurrency?: number; signal?: AbortSignal },
  ): Promise<BatchResult[]>;
  /**
   * Validates and stores a message for the workers; resolves with its id once the outbox holds it
   * durably. Invalid messages are refused here, not later.
   */
  enqueue(message: MessageInput, options?: EnqueueOptions): Promise<string>;
  enqueueMany(messages: readonly MessageInput[], options?: EnqueueOptions): Promise<string[]>;
  /** Starts the queue workers in this process. */
  start(): void;
  /** Stops claiming queued messages and waits for the ones in flight. */
  stop(): Promise<void>;
  readonly outbox: Outbox;
  on<K extends keyof RelayEvents>(name: K, listener: (payload: RelayEvents[K]) => void): () => void;
  /** Feeds events into the relay (webhook intake, the testing provider, tests). Duplicates are ignored. */
  ingest(events: readonly DeliveryEvent[]): Promise<DeliveryEvent[]>;
  readonly webhooks: WebhookHandler;
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
  /** Emits an observable event; used by pluggable policies (throttle, health) created with this relay. */
  emit<K extends keyof RelayEvents>(name: K, payload: RelayEvents[K]): void;
  close(): Promise<void>;
}

const day = 24 * 60 * 60 * 1000;

/** Builds the relay: validate → stream policy → suppression → route → throttle → attempt → record. */
export function createRelay(options: RelayOptions): Relay {
  if (options.providers.length === 0) {
    throw new RelayError({ kind: 'config', message: 'createRelay needs at least one provider' });
  }
  assertUniqueNames(options.providers);
  const emitter = createEmitter<RelayEvents>();
  const router = createRouter(options.providers, options.routing, {
    onCircuit: (e) => emitter.emit('circuit', e),
  });
  const streams = createStreamPolicy(options.streams, {
    ...(options.defaultStream === undefined ? {} : { defaultStream: options.defaultStream }),
    providerNames: options.providers.map((p) => p.name),
  });
  const ledger = options.ledger ?? memoryLedger();
  const state = options.state ?? memoryStateStore();
  const dedupe = options.dedupe ?? memoryDedupe();
  const suppressionOptions =
    options.suppression === false ? undefined : (options.suppression ?? {});
  const suppressionStore =
    suppressionOptions && (suppressionOptions.store ?? memorySuppressionStore());
  const policy =
    suppressionOptions &&
    (suppressionOptions.policy ??
      createSuppressionPolicy({
        store: suppressionStore as SuppressionStore,
        ...(suppressionOptions.strikes ? { strikes: suppressionOptions.strikes } : {}),
        onAlert: (alert) => emitter.emit('alert', alert),
      }));
  // On by default: per mailbox-provider profiles and provider accounts, adaptive to deferrals.
  const throttle = options.throttle === false ? undefined : (options.throttle ?? createThrottle());
  throttle?.attach?.({
    providers: options.providers,
    emit: (event) => emitter.emit('throttle', event),
  });
  const guard =
    options.guard === false
      ? undefined
      : (options.guard ?? createHealthGuard({ onAlert: (alert) => emitter.emit('alert', alert) }));
  const maxBytes = Math.min(...options.providers.map((p) => p.capabilities.maxMessageBytes));

  async function ingest(events: readonly DeliveryEvent[]): Promise<DeliveryEvent[]> {
    const fresh: DeliveryEvent[] = [];
    for (const raw of events) {
      if (
        !(await dedupe.remember(
          `event:${raw.provider}:${raw.id}`,
          options.eventDedupeTtlMs ?? 7 * day,
        ))
      )
        continue;
      let event = raw;
      if (event.messageId === undefined && event.providerMessageId !== undefined) {
        const entry = await ledger.byProviderMessageId(event.provider, event.providerMessageId);
        if (entry)
          event = {
            ...event,
            messageId: entry.messageId,
            ...(event.stream || !entry.stream ? {} : { stream: entry.stream }),
            ...(event.from ? {} : { from: entry.from }),
          };
      }
      await state.apply(event);
      if (policy) {
        for (const decision of await policy.handle(event)) {
          if (decision.type !== 'none') emitter.emit('suppression', { ...decision, event });
        }
      }
      await guard?.handle?.(event);
      throttle?.report({ type: 'event', event });
      fresh.push(event);
      emitter.emit('event', event);
    }
    return fresh;
  }

  // A synchronous refusal is an event like any other: it reaches message state and the policy,
  // which suppresses the hard ones (Postmark 406 inactive, 5.1.1 ...: see suppression/rejections.ts).
  async function reportRejection(
    message: Message,
    provider: string,
    error: RelayError,
    recipients: readonly string[],
  ): Promise<void> {
    try {
      await ingest(
        recipients.map((recipient) => rejectedEvent(message, provider, recipient, error)),
      );
    } catch (failure) {
      emitter.emit('error', {
        message: `could not record the rejection of ${recipients.join(', ')}`,
        error: failure,
      });
    }
  }

  async function suppressed(
    message: Message,
    stream: string | undefined,
  ): Promise<Map<string, SuppressionEntry>> {
    if (!suppressionStore) return new Map();
    return suppressionStore.check(
      recipientsOf(message).map(addressKey),
      stream === undefined ? {} : { stream },
    );
  }

  async function sendOne(input: MessageInput, signal?: AbortSignal): Promise<SendReport> {
    const message = await normalizeMessage(input, { maxMessageBytes: maxBytes });
    try {
      const report = await pipeline(message, signal);
      emitter.emit('send', { messageId: message.id, report });
      return report;
    } catch (error) {
      const relayError = toRelayError(error);
      emitter.emit('send', { messageId: message.id, error: relayError });
      throw relayError;
    }
  }

  async function pipeline(original: Message, signal?: AbortSignal): Promise<SendReport> {
    const fromDomain = domainOf(original.from.address);
    const route = streams.resolve(original.stream, fromDomain);
    let message: Message =
      route.name === undefined ? original : { ...original, stream: route.name };
    const results: RecipientResult[] = [];

    const hits = await suppressed(message, route.name);
    if (hits.size > 0) {
      const reasons = [...hits.entries()].map(([a, e]) => `${a} (${e.reason})`).join(', ');
      if (suppressionOptions?.mode === 'refuse') {
        throw new RelayError({
          kind: 'suppressed',
          recipients: [...hits.keys()],
          message: `refused: suppressed recipients ${reasons}; remove them from the message, or from the suppression list if a person confirms they may be mailed`,
        });
      }
      for (const [address, entry] of hits)
        results.push({ address, status: 'suppressed', reason: entry.reason });
      message = withoutRecipients(message, hits.keys());
    }

    let attempts = 0;
    let last: { provider: string; providerMessageId: string } | undefined;
    // A provider may refuse named recipients outright (e.g. Postmark's inactive recipients): the
    // rest are sent again without them, once.
    for (let round = 0; round < 2 && recipientsOf(message).length > 0; round += 1) {
      const candidates = router.candidates(route.providers, route.routing);
      const available: Provider[] = [];
      for (const p of candidates) {
        const pending = guard?.blocked(fromDomain, p.name);
        const reason = pending instanceof Promise ? await pending : pending;
        if (reason === undefined) available.push(p);
      }
      if (available.length === 0) {
        const reason =
          (await guard?.blocked(fromDomain)) ?? 'every provider is paused for this domain';
        throw new RelayError({
          kind: 'provider-unavailable',
          message: `sending from ${fromDomain} is paused: ${reason}; resume it once the cause is fixed`,
        });
      }
      const recipients = recipientsOf(message);
      try {
        const delivery = await deliver({
          message,
          candidates: available,
          router,
          retry: options.retry ?? {},
          ...(signal ? { signal } : {}),
          ...(throttle
            ? {
                beforeAttempt: (p: Provider, deadline: number) =>
                  throttle.acquire({
                    provider: p.name,
                    recipients,
                    deadline,
                    ...(signal ? { signal } : {}),
                  }),
              }
            : {}),
          onFailover: (from, to, error) =>
            emitter.emit('failover', {
              messageId: message.id,
              from: from.name,
              to: to.name,
              error,
            }),
          onAttemptFailed: (p, error, attempt) => {
            throttle?.report({ type: 'error', provider: p.name, recipients, error });
            emitter.emit('retry', { messageId: message.id, provider: p.name, attempt, error });
          },
        });
        attempts += delivery.attempts;
        const { provider, result } = delivery;
        last = { provider: provider.name, providerMessageId: result.providerMessageId };
        throttle?.report({ type: 'sent', provider: provider.name, recipients: result.accepted });
        guard?.recordSend?.(fromDomain, provider.name, result.accepted.length);
        await ledger.record({
          messageId: message.id,
          provider: provider.name,
          providerMessageId: result.providerMessageId,
          recipients: result.accepted,
          from: message.from.address,
          ...(route.name === undefined ? {} : { stream: route.name }),
          sentAt: new Date(),
        });
        for (const address of result.accepted) {
          results.push({
            address,
            status: 'sent',
            provider: provider.name,
            providerMessageId: result.providerMessageId,
          });
          await state.apply(
            acceptedEvent(message, provider.name, result.providerMessageId, address),
          );
        }
        for (const { recipient, error } of result.rejected) {
          results.push({
            address: recipient,
            status: 'rejected',
            provider: provider.name,
            reason: error.message,
            error,
          });
          await reportRejection(message, provider.name, error, [recipient]);
        }
        break;
      } catch (error) {
        const relayError = toRelayError(error);
        attempts += 1;
        if (relayError.kind !== 'recipient-rejected') throw relayError;
        const named = new Set((relayError.recipients ?? recipients).map(addressKey));
        for (const address of recipients.filter((a) => named.has(addressKey(a)))) {
          results.push({
            address,
            status: 'rejected',
            ...(relayError.provider ? { provider: relayError.provider } : {}),
            reason: relayError.message,
            error: relayError,
          });
        }
        await reportRejection(
          message,
          relayError.provider ?? 'unknown',
          relayError,
          recipients.filter((a) => named.has(addressKey(a))),
        );
        message = withoutRecipients(message, named);
      }
    }

    const sent = results.filter((r) => r.status === 'sent').length;
    return {
      messageId: message.id,
      status: sent === 0 ? 'none' : sent === results.length ? 'sent' : 'partial',
      ...(route.name === undefined ? {} : { stream: route.name }),
      ...(last ? { provider: last.provider, providerMessageId: last.providerMessageId } : {}),
      attempts,
      recipients: results,
    };
  }

  async function sendBatch(
    inputs: readonly MessageInput[],
    batchOptions: { concurrency?: number; signal?: AbortSignal } = {},
  ): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array(inputs.length);
    let next = 0;
    const worker = async () => {
      while (next < inputs.length) {
        const i = next++;
        try {
          const report = await sendOne(inputs[i] as MessageInput, batchOptions.signal);
          results[i] = { ok: true, messageId: report.messageId, report };
        } catch (error) {
          const relayError = toRelayError(error);
          const id = (inputs[i] as { id?: unknown } | undefined)?.id;
          results[i] = {
            ok: false,
            error: relayError,
            ...(typeof id === 'string' ? { messageId: id } : {}),
          };
        }
      }
    };
    const width = Math.max(
      1,
      Math.min(batchOptions.concurrency ?? options.concurrency ?? 16, inputs.length),
    );
    await Promise.all(Array.from({ length: width }, worker));
    return results;
  }

  const outbox = options.outbox ?? memoryOutbox();
  const queueOptions = options.queue ?? {};
  const runner = createQueueRunner({
    outbox,
    options: queueOptions,
    send: async (message) => {
      try {
        const report = await pipeline(message);
        emitter.emit('send', { messageId: message.id, report });
        return report;
      } catch (error) {
        emitter.emit('send', { messageId: message.id, error: toRelayError(error) });
        throw error;
      }
    },
    onEvent: (event) => emitter.emit('queue', event),
  });
  const enqueueMany = async (
    inputs: readonly MessageInput[],
    enqueueOptions: EnqueueOptions = {},
  ) => {
    const now = Date.now();
    const expiresInMs = enqueueOptions.expiresInMs ?? queueOptions.maxAgeMs ?? 72 * 60 * 60 * 1000;
    const queued = await Promise.all(
      inputs.map(async (input) =>
        toQueued(await normalizeMessage(input, { maxMessageBytes: maxBytes }), {
          now,
          expiresInMs,
          ...(enqueueOptions.sendAt ? { sendAt: enqueueOptions.sendAt } : {}),
        }),
      ),
    );
    await outbox.enqueue(queued);
    return queued.map((q) => q.id);
  };

  const relay: Relay = {
    send: (message, sendOptions) => sendOne(message, sendOptions?.signal),
    enqueueMany,
    enqueue: async (message, enqueueOptions) =>
      (await enqueueMany([message], enqueueOptions))[0] as string,
    start: () => runner.start(),
    stop: () => runner.stop(),
    outbox,
    sendBatch,
    on: (name, listener) => emitter.on(name, listener),
    emit: (name, payload) => emitter.emit(name, payload),
    ingest,
    webhooks: createWebhookHandler({
      providers: options.providers,
      ingest,
      dedupe,
      maxBytes: options.maxWebhookBytes ?? 1024 * 1024,
      fetch: options.fetch ?? fetch,
      onError: (message, error) => emitter.emit('error', { message, error }),
    }),
    status: (messageId) => state.get(messageId),
    providers: options.providers,
    stores: {
      ledger,
      state,
      dedupe,
      ...(suppressionStore ? { suppression: suppressionStore } : {}),
    },
    suppressions: createRelaySuppressions(suppressionStore, policy),
    guard,
    async close() {
      await runner.stop();
      await outbox.close?.();
      await Promise.all(options.providers.map((p) => p.close?.()));
    },
  };
  for (const provider of options.providers) provider.attach?.({ ingest });
  return relay;
}

function acceptedEvent(
  message: Message,
  provider: string,
  providerMessageId: string,
  recipient: string,
): DeliveryEvent {
  return {
    id: `${message.id}:${provider}:${recipient}:accepted`,
    type: 'accepted',
    provider,
    messageId: message.id,
    providerMessageId,
    recipient,
    at: new Date(),
    from: message.from.address,
    ...(message.stream === undefined ? {} : { stream: message.stream }),
    tags: message.tags,
    metadata: message.metadata,
    raw: null,
  };
}

function rejectedEvent(
  message: Message,
  provider: string,
  recipient: string,
  error: RelayError,
): DeliveryEvent {
  return {
    id: `${message.id}:${provider}:${addressKey(recipient)}:rejected`,
    type: 'rejected',
    provider,
    messageId: message.id,
    recipient,
    at: new Date(),
    bounce: rejectionBounce(error),
    from: message.from.address,
    ...(message.stream === undefined ? {} : { stream: message.stream }),
    tags: message.tags,
    metadata: message.metadata,
    raw: error.toJSON(),
  };
}
