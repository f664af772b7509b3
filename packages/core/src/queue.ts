import { toRelayError, type RelayError } from './errors.ts';
import type { Message } from './message.ts';
import { deserializeMessage, serializeMessage, traceCarrierOf } from './codec.ts';
import type { TraceCarrier } from './telemetry.ts';
import type { Outbox, OutboxConsumer, QueueDecision, QueuedMessage } from './stores.ts';

export interface QueueOptions {
  /** How long a queued message may keep trying before it expires. @default 72 h */
  maxAgeMs?: number;
  /** Delays between runs of one message; the last repeats. @default 1m, 5m, 15m, 30m, 1h, 2h, 4h */
  backoffMs?: number[];
  /** Spread each delay by up to ± this fraction, so retries of a burst do not arrive together. @default 0.1 */
  jitter?: number;
  /** Messages sent at once by one worker. @default 8 */
  concurrency?: number;
  /** How often a worker looks for due messages. @default 250 */
  pollMs?: number;
  /** How long a claimed message stays with one worker before another may take it. @default 5 min */
  leaseMs?: number;
}

export interface QueueEvent {
  id: string;
  status: 'sent' | 'retry' | 'expired' | 'dead';
  attempts: number;
  at?: Date;
  error?: { kind: string; message: string };
  reason?: string;
}

const minute = 60_000;
export const defaultBackoffMs = [1, 5, 15, 30, 60, 120, 240].map((m) => m * minute);

/** The delay before run `attempt + 1`, with jitter. */
export function backoffDelay(
  attempt: number,
  backoff: readonly number[],
  jitter: number,
  random = Math.random,
): number {
  const base = backoff[Math.min(attempt, backoff.length - 1)] ?? 0;
  return Math.round(base * (1 + jitter * (2 * random() - 1)));
}

export function toQueued(
  message: Message,
  options: { now: number; sendAt?: Date; expiresInMs: number; trace?: TraceCarrier | undefined },
): QueuedMessage {
  // Never before the message's own sendAt, whatever the enqueue options say.
  const times = [options.sendAt, message.sendAt].filter((d): d is Date => d !== undefined);
  const dueAt =
    times.length === 0
      ? new Date(options.now)
      : new Date(Math.max(...times.map((d) => d.getTime())));
  return {
    id: message.id,
    message: serializeMessage(message, options.trace),
    enqueuedAt: new Date(options.now),
    dueAt,
    expiresAt: new Date(Math.max(dueAt.getTime(), options.now) + options.expiresInMs),
    attempts: 0,
  };
}

/**
 * Decides what becomes of one run of a queued message: sent; a retry later with backoff (transient
 * failures, rate limits, outages) until it expires; or a dead letter (a permanent failure).
 */
export function decide(
  queued: QueuedMessage,
  outcome: { ok: true } | { ok: false; error: RelayError },
  options: { now: number; backoffMs: readonly number[]; jitter: number; random?: () => number },
): QueueDecision {
  if (outcome.ok) return { type: 'done', status: 'sent' };
  const error = { kind: outcome.error.kind, message: outcome.error.message };
  if (!outcome.error.retryable)
    return { type: 'done', status: 'dead', reason: outcome.error.kind, error };
  const delay = Math.max(
    outcome.error.retryAfterMs ?? 0,
    backoffDelay(queued.attempts, options.backoffMs, options.jitter, options.random),
  );
  const at = new Date(options.now + delay);
  if (at > queued.expiresAt) {
    return {
      type: 'done',
      status: 'expired',
      reason: `not sent within its lifetime (expired ${queued.expiresAt.toISOString()})`,
      error,
    };
  }
  return { type: 'retry', at, error };
}

export interface QueueRunner {
  start(): void;
  stop(): Promise<void>;
  readonly running: boolean;
}

/** Runs queued messages through `send` (the relay pipeline) and applies the decisions. */
export function createQueueRunner(params: {
  outbox: Outbox;
  options: QueueOptions;
  send: (message: Message, enqueuedBy?: TraceCarrier) => Promise<unknown>;
  onEvent: (event: QueueEvent) => void;
  now?: () => number;
}): QueueRunner {
  const now = params.now ?? Date.now;
  const backoffMs = params.options.backoffMs ?? defaultBackoffMs;
  const jitter = params.options.jitter ?? 0.1;
  let consumer: OutboxConsumer | undefined;

  const handle = async (queued: QueuedMessage): Promise<QueueDecision> => {
    if (queued.expiresAt.getTime() <= now()) {
      const decision: QueueDecision = {
        type: 'done',
        status: 'expired',
        reason: 'expired before it could be sent',
      };
      params.onEvent({
        id: queued.id,
        status: 'expired',
        attempts: queued.attempts,
        reason: decision.reason ?? '',
      });
      return decision;
    }
    let outcome: { ok: true } | { ok: false; error: RelayError };
    try {
      await params.send(deserializeMessage(queued.message), traceCarrierOf(queued.message));
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, error: toRelayError(error) };
    }
    const decision = decide(queued, outcome, { now: now(), backoffMs, jitter });
    params.onEvent({
      id: queued.id,
      status: decision.type === 'retry' ? 'retry' : decision.status,
      attempts: queued.attempts + 1,
      ...(decision.type === 'retry' ? { at: decision.at, error: decision.error } : {}),
      ...(decision.type === 'done' && decision.error ? { error: decision.error } : {}),
      ...(decision.type === 'done' && decision.reason ? { reason: decision.reason } : {}),
    });
    return decision;
  };

  return {
    get running() {
      return consumer !== undefined;
    },
    start() {
      if (consumer) return;
      consumer = params.outbox.consume(handle, {
        concurrency: params.options.concurrency ?? 8,
        pollMs: params.options.pollMs ?? 250,
        leaseMs: params.options.leaseMs ?? 5 * minute,
      });
    },
    async stop() {
      const c = consumer;
      consumer = undefined;
      await c?.stop();
    },
  };
}
