import { addressDomain, addressKey } from './address.ts';
import { createEmitter } from './emitter.ts';
import { RelayError, toRelayError } from './errors.ts';
import type { DeliveryEvent } from './events.ts';
import { memoryDedupe } from './memory/dedupe.ts';
import { memoryLedger } from './memory/ledger.ts';
import { memoryStateStore } from './memory/state.ts';
import {
  normalizeMessage,
  recipientCount,
  recipientDomainsOf,
  recipientsOf,
  withoutRecipients,
  type Message,
  type MessageInput,
} from './message.ts';
import type { EventPolicy, PolicyDecision, SendGuard, ThrottlePort } from './ports.ts';
import { schedulingHorizon, type Provider, type SendResult } from './provider.ts';
import { deliver, type RetryOptions } from './retry.ts';
import {
  assertUniqueNames,
  carriers,
  createRouter,
  templateRecord,
  type CircuitEvent,
  type RoutingOptions,
} from './routing.ts';
import type {
  DedupeStore,
  Ledger,
  LedgerEntry,
  MessageStateStore,
  RecipientState,
  StoreSet,
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
import { applyEvent, initialState } from './state/machine.ts';
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
   * strikes, ledger, state, dedupe, outbox, rate). A store given on its own (`ledger`,
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
   * Account-health guard. On by default: createHealthGuard() with the SES thresholds (warn at 5%
   * bounces / 0.1% complaints, pause the sending domain at 10% / 0.5%, after 200 sends in 7 days).
   * false turns it off.
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
  queue?: QueueOptions;
  /**
   * The clock deciding whether a `sendAt` is due (and stamping queued messages). Give the outbox
   * the same one. @default Date.now
   */
  now?: () => number;
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
  const set = options.stores ?? {};
  const ledger = options.ledger ?? set.ledger ?? memoryLedger();
  const state = options.state ?? set.state ?? memoryStateStore();
  const dedupe = options.dedupe ?? set.dedupe ?? memoryDedupe();
  const suppressionOptions =
    options.suppression === false ? undefined : (options.suppression ?? {});
  const suppressionStore =
    suppressionOptions && (suppressionOptions.store ?? set.suppression ?? memorySuppressionStore());
  const strikes = suppressionOptions?.strikes ?? set.strikes;
  const policy =
    suppressionOptions &&
    (suppressionOptions.policy ??
      createSuppressionPolicy({
        store: suppressionStore as SuppressionStore,
        ...(strikes ? { strikes } : {}),
        onAlert: (alert) => emitter.emit('alert', alert),
      }));
  // On by default: per mailbox-provider profiles and provider accounts, adaptive to deferrals.
  const throttle =
    options.throttle === false
      ? undefined
      : (options.throttle ?? createThrottle(set.rate ? { store: set.rate } : {}));
  throttle?.attach?.({
    providers: options.providers,
    emit: (event) => emitter.emit('throttle', event),
  });
  const guard =
    options.guard === false
      ? undefined
      : (options.guard ?? createHealthGuard({ onAlert: (alert) => emitter.emit('alert', alert) }));
  const maxBytes = Math.min(...options.providers.map((p) => p.capabilities.maxMessageBytes));
  const now = options.now ?? Date.now;
  // One gate for every send (no closure per message): tokens for the attempt's provider.
  const gateAttempt =
    throttle &&
    ((provider: Provider, deadline: number, message: Message, signal?: AbortSignal) =>
      throttle.acquire({
        provider: provider.name,
        recipients: recipientsOf(message),
        domains: recipientDomainsOf(message),
        deadline,
        ...(signal ? { signal } : {}),
      }));

  const eventTtlMs = options.eventDedupeTtlMs ?? 7 * day;

  /**
   * Applies each event once. The order is what makes a crash or a failed write harmless: the
   * event id is checked first, the effects (message state, suppression) are stored, and only
   * then is the id marked seen. A crash between the two leaves the id unmarked, so the provider's
   * redelivery applies the effects again (each is idempotent per event id); a throw propagates, so
   * the webhook answers 5xx and the provider redelivers. Counters that are not idempotent (the
   * health guard, the throttle) and subscribers see the event only once it is marked.
   */
  async function ingest(events: readonly DeliveryEvent[]): Promise<DeliveryEvent[]> {
    const fresh: DeliveryEvent[] = [];
    for (const raw of events) {
      const key = `event:${raw.provider}:${raw.id}`;
      if (dedupe.has && (await dedupe.has(key))) continue;
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
      const decisions = policy ? await policy.handle(event) : [];
      // Marked last; false means another delivery of the same event got here first.
      if (!(await dedupe.remember(key, eventTtlMs))) continue;
      for (const decision of decisions) {
        if (decision.type !== 'none') emitter.emit('suppression', { ...decision, event });
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
      const report = heldUntilDue(message) ? await hold(message) : await pipeline(message, signal);
      emitter.emit('send', { messageId: message.id, report });
      return report;
    } catch (error) {
      const relayError = toRelayError(error);
      emitter.emit('send', { messageId: message.id, error: relayError });
      throw relayError;
    }
  }

  /**
   * With an outbox configured, a future sendAt that no provider of the message's stream schedules
   * natively that far ahead is held in the outbox and sent when due (by the queue runner,
   * `relay.start()`), instead of being refused. A message no provider could take at all (too many
   * recipients) is not held: the pipeline refuses it now.
   */
  function heldUntilDue(message: Message): boolean {
    if (options.outbox === undefined || message.sendAt === undefined) return false;
    const lead = message.sendAt.getTime() - now();
    if (lead <= 0) return false;
    const count = recipientCount(message);
    const route = streams.resolve(message.stream, addressDomain(message.from));
    const names = route.providers;
    const fit = options.providers.filter(
      (p) =>
        (names === undefined || names.includes(p.name)) && count <= p.capabilities.maxRecipients,
    );
    return fit.length > 0 && !fit.some((p) => schedulingHorizon(p.capabilities) >= lead);
  }

  async function hold(message: Message): Promise<SendReport> {
    const expiresInMs = queueOptions.maxAgeMs ?? 72 * 60 * 60 * 1000;
    await outbox.enqueue([toQueued(message, { now: now(), expiresInMs })]);
    return {
      messageId: message.id,
      status: 'scheduled',
      attempts: 0,
      recipients: [],
      ...(message.sendAt ? { scheduledFor: message.sendAt } : {}),
    };
  }

  interface Prepared {
    message: Message;
    route: ReturnType<typeof streams.resolve>;
    fromDomain: string;
    results: RecipientResult[];
  }

  /** Stream policy and suppression: what is left to send, and what was dropped. */
  async function prepare(original: Message): Promise<Prepared> {
    const fromDomain = addressDomain(original.from);
    const route = streams.resolve(original.stream, fromDomain);
    let message: Message =
      route.name === undefined ? original : { ...original, stream: route.name };
    // A sendAt that has come (a held message now due) is no schedule any more: send it now.
    if (message.sendAt !== undefined && message.sendAt.getTime() <= now()) {
      const { sendAt: _due, ...rest } = message;
      message = rest;
    }
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
    return { message, route, fromDomain, results };
  }

  /**
   * The providers that may carry the message now: the stream's, in routing order, not paused, and
   * able to take it as it is: no more recipients than the provider allows per message, and a
   * future sendAt only where the provider schedules natively that far ahead. Failover moves among
   * these alone, so a scheduled message never reaches a provider that would send it early.
   */
  async function available(p: Prepared): Promise<Provider[]> {
    const out: Provider[] = [];
    const count = recipientCount(p.message);
    const lead = p.message.sendAt === undefined ? 0 : p.message.sendAt.getTime() - now();
    let unfit: Provider[] | undefined;
    for (const provider of carriers(
      p.message,
      router.candidates(p.route.providers, p.route.routing),
    )) {
      const caps = provider.capabilities;
      if (count > caps.maxRecipients || (lead > 0 && schedulingHorizon(caps) < lead)) {
        (unfit ??= []).push(provider);
        continue;
      }
      const pending = guard?.blocked(p.fromDomain, provider.name);
      const reason = pending instanceof Promise ? await pending : pending;
      if (reason === undefined) out.push(provider);
    }
    if (out.length === 0 && unfit) throw unfitError(p.message, unfit, count, lead);
    if (out.length === 0) {
      const reason =
        (await guard?.blocked(p.fromDomain)) ?? 'every provider is paused for this domain';
      throw new RelayError({
        kind: 'provider-unavailable',
        message: `sending from ${p.fromDomain} is paused: ${reason}; resume it once the cause is fixed`,
      });
    }
    return out;
  }

  /** A provider took the message: ledger, message state, throttle and health learn of it. */
  async function accepted(p: Prepared, provider: Provider, result: SendResult): Promise<void> {
    const { message, route } = p;
    throttle?.report({ type: 'sent', provider: provider.name, recipients: result.accepted });
    guard?.recordSend?.(p.fromDomain, provider.name, result.accepted.length);
    await ledger.record({
      messageId: message.id,
      provider: provider.name,
      providerMessageId: result.providerMessageId,
      recipients: result.accepted,
      from: message.from.address,
      ...(route.name === undefined ? {} : { stream: route.name }),
      ...templateRecord(message, provider),
      sentAt: new Date(),
    });
    for (const address of result.accepted) {
      p.results.push({
        address,
        status: 'sent',
        provider: provider.name,
        providerMessageId: result.providerMessageId,
      });
    }
    for (const { recipient, error } of result.rejected) {
      p.results.push({
        address: recipient,
        status: 'rejected',
        provider: provider.name,
        reason: error.message,
        error,
      });
      await reportRejection(message, provider.name, error, [recipient]);
    }
  }

  /** A provider refused named recipients: they are reported and leave the message. */
  async function refused(p: Prepared, error: RelayError): Promise<void> {
    const recipients = recipientsOf(p.message);
    const named = new Set((error.recipients ?? recipients).map(addressKey));
    const gone = recipients.filter((a) => named.has(addressKey(a)));
    for (const address of gone) {
      p.results.push({
        address,
        status: 'rejected',
        ...(error.provider ? { provider: error.provider } : {}),
        reason: error.message,
        error,
      });
    }
    await reportRejection(p.message, error.provider ?? 'unknown', error, gone);
    p.message = withoutRecipients(p.message, named);
  }

  function report(
    p: Prepared,
    attempts: number,
    last?: { provider: string; providerMessageId: string },
  ): SendReport {
    const sent = p.results.filter((r) => r.status === 'sent').length;
    return {
      messageId: p.message.id,
      status: sent === 0 ? 'none' : sent === p.results.length ? 'sent' : 'partial',
      ...(p.route.name === undefined ? {} : { stream: p.route.name }),
      ...(last ? { provider: last.provider, providerMessageId: last.providerMessageId } : {}),
      ...templateRecord(p.message, last && router.get(last.provider)),
      attempts,
      recipients: p.results,
    };
  }

  async function pipeline(
    original: Message,
    signal?: AbortSignal,
    ready?: Prepared,
    tried = 0,
    failedOn?: { provider: string; error: RelayError },
  ): Promise<SendReport> {
    const p = ready ?? (await prepare(original));
    let attempts = tried;
    let last: { provider: string; providerMessageId: string } | undefined;
    // A provider may refuse named recipients outright (e.g. Postmark's inactive recipients): the
    // rest are sent again without them, once.
    for (let round = 0; round < 2 && recipientCount(p.message) > 0; round += 1) {
      const candidates = await available(p);
      const message = p.message;
      const recipients = recipientsOf(message);
      try {
        const delivery = await deliver({
          message,
          candidates,
          router,
          retry: options.retry ?? {},
          ...(signal ? { signal } : {}),
          ...(gateAttempt ? { beforeAttempt: gateAttempt } : {}),
          onFailover: (from, to, error) =>
            emitter.emit('failover', {
              messageId: message.id,
              from: from.name,
              to: to.name,
              error,
            }),
          onAttemptFailed: (provider, error, attempt) => {
            throttle?.report({ type: 'error', provider: provider.name, recipients, error });
            emitter.emit('retry', {
              messageId: message.id,
              provider: provider.name,
              attempt,
              error,
            });
          },
        });
        attempts += delivery.attempts;
        // A message a provider's batch call could not take, sent here by another provider.
        if (failedOn && round === 0 && delivery.provider.name !== failedOn.provider) {
          emitter.emit('failover', {
            messageId: message.id,
            from: failedOn.provider,
            to: delivery.provider.name,
            error: failedOn.error,
          });
        }
        last = {
          provider: delivery.provider.name,
          providerMessageId: delivery.result.providerMessageId,
        };
        await accepted(p, delivery.provider, delivery.result);
        break;
      } catch (error) {
        const relayError = toRelayError(error);
        attempts += 1;
        if (relayError.kind !== 'recipient-rejected') throw relayError;
        await refused(p, relayError);
      }
    }
    return report(p, attempts, last);
  }

  type QueuedSingle = {
    index: number;
    message: Message;
    ready?: Prepared;
    tried?: number;
    failedOn?: { provider: string; error: RelayError };
  };

  /**
   * Sends through the provider's own batch call (SES bulk, Postmark batch, Mailgun recipient
   * variables, Resend batch) where the first provider of a message's route has one. A message
   * the batch did not take for a provider-side reason goes through the single-send pipeline,
   * with its retry and failover; a message the provider refused is reported as refused.
   */
  async function sendThroughBatches(
    messages: Array<{ index: number; message: Message }>,
    out: BatchResult[],
    width: number,
    signal?: AbortSignal,
  ): Promise<QueuedSingle[]> {
    const single: QueuedSingle[] = [];
    const groups = new Map<Provider, Array<{ index: number; p: Prepared }>>();
    for (const { index, message } of messages) {
      try {
        const p = await prepare(message);
        if (recipientCount(p.message) === 0) {
          out[index] = { ok: true, messageId: message.id, report: report(p, 0) };
          continue;
        }
        const first = (await available(p))[0] as Provider;
        if (!first.sendBatch || first.capabilities.maxBatchSize < 2 || router.isOpen(first.name)) {
          single.push({ index, message, ready: p });
          continue;
        }
        const group = groups.get(first);
        if (group) group.push({ index, p });
        else groups.set(first, [{ index, p }]);
      } catch (error) {
        out[index] = { ok: false, messageId: message.id, error: toRelayError(error) };
      }
    }
    /**
     * One chunk: tokens for each of its messages first (the throttle's account budget and each
     * recipient domain's), then one batch call for those granted. A chunk whose provider's circuit
     * opened meanwhile (an earlier chunk failed) goes through the single-send pipeline, which
     * fails it over.
     */
    const sendChunk = async (
      provider: Provider,
      chunk: Array<{ index: number; p: Prepared }>,
    ): Promise<void> => {
      if (router.isOpen(provider.name)) {
        for (const item of chunk)
          single.push({ index: item.index, message: item.p.message, ready: item.p });
        return;
      }
      const deadline = Date.now() + (options.retry?.maxTimeMs ?? 30_000);
      const ready: typeof chunk = [];
      for (const item of chunk) {
        try {
          await throttle?.acquire({
            provider: provider.name,
            recipients: recipientsOf(item.p.message),
            domains: recipientDomainsOf(item.p.message),
            deadline,
            ...(signal ? { signal } : {}),
          });
          ready.push(item);
        } catch (error) {
          out[item.index] = {
            ok: false,
            messageId: item.p.message.id,
            error: toRelayError(error),
          };
        }
      }
      if (ready.length === 0) return;
      let answers: Array<SendResult | RelayError>;
      try {
        answers =
          (await provider.sendBatch?.(
            ready.map((r) => r.p.message),
            // The caller's signal or none: the adapter bounds each request by its timeoutMs.
            { attempt: 1, ...(signal ? { signal } : {}) },
          )) ?? [];
      } catch (error) {
        answers = ready.map(() => toRelayError(error, provider.name));
      }
      // The chunk is one request: it counts once toward the provider's circuit, as a failure
      // when the provider took none of it for a provider-side reason (an outage answered per
      // message, or the call itself failing), so the chunks after it fail over instead.
      const fault = answers.find((a) => a instanceof RelayError && a.providerFault);
      if (fault && !answers.some((a) => !(a instanceof RelayError)))
        router.failure(provider.name, fault as RelayError);
      for (const [i, item] of ready.entries()) {
        const answer =
          answers[i] ??
          new RelayError({
            kind: 'transient',
            provider: provider.name,
            message: 'the batch gave no answer for this message',
          });
        if (!(answer instanceof RelayError)) {
          router.success(provider.name);
          await accepted(item.p, provider, answer);
          out[item.index] = {
            ok: true,
            messageId: item.p.message.id,
            report: report(item.p, 1, {
              provider: provider.name,
              providerMessageId: answer.providerMessageId,
            }),
          };
          continue;
        }
        throttle?.report({
          type: 'error',
          provider: provider.name,
          recipients: recipientsOf(item.p.message),
          error: answer,
        });
        if (answer.providerFault || answer.retryable) {
          single.push({
            index: item.index,
            message: item.p.message,
            ready: item.p,
            tried: 1,
            failedOn: { provider: provider.name, error: answer },
          });
        } else if (answer.kind === 'recipient-rejected') {
          await refused(item.p, answer);
          single.push({ index: item.index, message: item.p.message, ready: item.p, tried: 1 });
        } else {
          out[item.index] = { ok: false, messageId: item.p.message.id, error: answer };
        }
      }
    };
    // Providers go side by side, and so do one provider's chunks, up to `width` in flight each:
    // one chunk per round trip would cap a campaign at a batch (Resend: 100) per latency. The
    // throttle still paces them, since each chunk waits for its messages' tokens before it goes.
    const byProvider = [...groups].map(async ([provider, group]) => {
      const size = provider.capabilities.maxBatchSize;
      const chunks = Math.ceil(group.length / size);
      let next = 0;
      const worker = async () => {
        while (next < chunks) {
          const at = next * size;
          next += 1;
          await sendChunk(provider, group.slice(at, at + size));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(width, chunks)) }, worker));
    });
    await Promise.all(byProvider);
    return single;
  }

  async function sendBatch(
    inputs: readonly MessageInput[],
    batchOptions: { concurrency?: number; signal?: AbortSignal; providerBatches?: boolean } = {},
  ): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array(inputs.length);
    const valid: Array<{ index: number; message: Message }> = [];
    for (const [index, input] of inputs.entries()) {
      try {
        const message = await normalizeMessage(input, { maxMessageBytes: maxBytes });
        if (heldUntilDue(message))
          results[index] = { ok: true, messageId: message.id, report: await hold(message) };
        else valid.push({ index, message });
      } catch (error) {
        const id = (input as { id?: unknown } | undefined)?.id;
        results[index] = {
          ok: false,
          error: toRelayError(error),
          ...(typeof id === 'string' ? { messageId: id } : {}),
        };
      }
    }
    const concurrency = Math.max(1, batchOptions.concurrency ?? options.concurrency ?? 16);
    const queue =
      batchOptions.providerBatches === false
        ? valid
        : await sendThroughBatches(valid, results, concurrency, batchOptions.signal);
    let next = 0;
    const worker = async () => {
      while (next < queue.length) {
        const item = queue[next++] as QueuedSingle;
        try {
          const sent = await pipeline(
            item.message,
            batchOptions.signal,
            item.ready,
            item.tried ?? 0,
            item.failedOn,
          );
          results[item.index] = { ok: true, messageId: sent.messageId, report: sent };
        } catch (error) {
          results[item.index] = {
            ok: false,
            messageId: item.message.id,
            error: toRelayError(error),
          };
        }
      }
    };
    const width = Math.max(1, Math.min(concurrency, queue.length));
    await Promise.all(Array.from({ length: width }, worker));
    for (const r of results) {
      if (r)
        emitter.emit(
          'send',
          r.ok
            ? { messageId: r.messageId, report: r.report }
            : { messageId: r.messageId ?? '', error: r.error },
        );
    }
    return results;
  }

  /**
   * Each recipient's state. The send itself ('accepted') is folded in here from the ledger rather
   * than written on every send: the fold does not depend on order, so the answer is the same.
   */
  async function status(messageId: string): Promise<RecipientState[]> {
    const [states, entries] = await Promise.all([
      state.get(messageId),
      ledger.byMessageId(messageId),
    ]);
    const byRecipient = new Map(states.map((s) => [s.recipient, s]));
    for (const entry of entries) {
      for (const recipient of entry.recipients) {
        const key = recipient.toLowerCase();
        const current = byRecipient.get(key) ?? initialState(messageId, key);
        byRecipient.set(key, applyEvent(current, acceptedEvent(entry, recipient)));
      }
    }
    return [...byRecipient.values()];
  }

  const outbox = options.outbox ?? set.outbox ?? memoryOutbox();
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
    now,
  });
  const enqueueMany = async (
    inputs: readonly MessageInput[],
    enqueueOptions: EnqueueOptions = {},
  ) => {
    const at = now();
    // A message no provider could ever take is refused now, not found dead later.
    const widest = Math.max(...options.providers.map((p) => p.capabilities.maxRecipients));
    const expiresInMs = enqueueOptions.expiresInMs ?? queueOptions.maxAgeMs ?? 72 * 60 * 60 * 1000;
    const queued = await Promise.all(
      inputs.map(async (input) => {
        const message = await normalizeMessage(input, { maxMessageBytes: maxBytes });
        const count = recipientCount(message);
        if (count > widest) throw unfitError(message, options.providers, count, 0);
        carriers(message, options.providers);
        return toQueued(message, {
          now: at,
          expiresInMs,
          ...(enqueueOptions.sendAt ? { sendAt: enqueueOptions.sendAt } : {}),
        });
      }),
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
    ingest,
    webhooks: createWebhookHandler({
      providers: options.providers,
      ingest,
      dedupe,
      maxBytes: options.maxWebhookBytes ?? 1024 * 1024,
      fetch: options.fetch ?? fetch,
      onError: (message, error) => emitter.emit('error', { message, error }),
      onAlert: (alert) => emitter.emit('alert', { ...alert }),
    }),
    status,
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

/** The send itself, as an event: what the ledger entry says happened to one recipient. */
function acceptedEvent(entry: LedgerEntry, recipient: string): DeliveryEvent {
  return {
    id: `${entry.messageId}:${entry.provider}:${recipient}:accepted`,
    type: 'accepted',
    provider: entry.provider,
    messageId: entry.messageId,
    providerMessageId: entry.providerMessageId,
    recipient,
    at: entry.sentAt,
    from: entry.from,
    ...(entry.stream === undefined ? {} : { stream: entry.stream }),
    tags: [],
    metadata: {},
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

const hour = 60 * 60 * 1000;
const span = (ms: number) =>
  ms >= 2 * 24 * hour ? `${Math.round(ms / (24 * hour))} days` : `${Math.round(ms / 60_000)} min`;

/** Why no provider of the route can take the message as it is: too many recipients, or a schedule. */
function unfitError(
  message: Message,
  providers: readonly Provider[],
  count: number,
  lead: number,
): RelayError {
  const small = providers.filter((p) => count > p.capabilities.maxRecipients);
  if (small.length === providers.length) {
    const limits = small.map((p) => `${p.name} ${p.capabilities.maxRecipients}`).join(', ');
    const most = Math.max(...small.map((p) => p.capabilities.maxRecipients));
    return new RelayError({
      kind: 'invalid',
      field: 'to',
      message: `to: the message has ${count} recipients (To, Cc and Bcc together), over the limit per message (${limits}); split it into messages of at most ${most}, or send them with sendBatch`,
    });
  }
  const reasons = providers
    .filter((p) => count <= p.capabilities.maxRecipients)
    .map((p) => {
      const horizon = schedulingHorizon(p.capabilities);
      return horizon === 0
        ? `${p.name} cannot schedule`
        : `${p.name} schedules at most ${span(horizon)} ahead`;
    });
  return new RelayError({
    kind: 'invalid',
    field: 'sendAt',
    message: `sendAt: ${message.sendAt?.toISOString() ?? ''} is ${span(lead)} ahead and ${reasons.join('; ')}; relaykit never sends it early: give createRelay an outbox (send then holds it there until due) or hold it with relay.enqueue(message)`,
  });
}
