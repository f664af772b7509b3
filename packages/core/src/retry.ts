import pRetry, { AbortError } from 'p-retry';
import { RelayError, toRelayError } from './errors.ts';
import type { Message } from './message.ts';
import type { Provider, SendResult } from './provider.ts';
import type { Router } from './routing.ts';
import { sleep } from './sleep.ts';

export interface RetryOptions {
  /** Attempts in all, across providers. @default 5 */
  attempts?: number;
  /** Time budget for all attempts of one direct send. @default 30000 */
  maxTimeMs?: number;
  /** First backoff delay; it doubles each time, with full jitter. @default 250 */
  minDelayMs?: number;
  /** @default 8000 */
  maxDelayMs?: number;
  /** A Retry-After longer than this fails over (or fails) instead of waiting. @default 10000 */
  maxRetryAfterMs?: number;
  /** Transient failures on one provider before failing over to the next. @default 2 */
  attemptsPerProvider?: number;
}

export interface DeliverRequest {
  message: Message;
  candidates: Provider[];
  router: Router;
  retry: RetryOptions;
  signal?: AbortSignal;
  random?: () => number;
  /** Waits for throttle tokens before each attempt; its own failure ends the send. */
  beforeAttempt?: (
    provider: Provider,
    deadline: number,
    message: Message,
    signal?: AbortSignal,
  ) => Promise<void> | undefined;
  onFailover?: (from: Provider, to: Provider, error: RelayError) => void;
  onAttemptFailed?: (provider: Provider, error: RelayError, attempt: number) => void;
  /** Runs each attempt (throttle wait and provider call) inside it: the attempt's trace span. */
  instrument?: <T>(provider: Provider, attempt: number, run: () => Promise<T>) => Promise<T>;
  /**
   * Attempt 1, already made and failed outside this loop (a provider's batch call that could not
   * take the message): the loop decides on its failure as on its own, and goes on from attempt 2.
   */
  prior?: { provider: Provider; error: RelayError };
}

export interface Delivery {
  provider: Provider;
  result: SendResult;
  attempts: number;
}

class GateError extends Error {
  constructor(readonly error: RelayError) {
    super(error.message);
  }
}

/**
 * Sends one message with retry and failover. p-retry runs the attempt loop and its budget; the
 * decision after each failure is relaykit's: a permanent error stops at once, a provider-side
 * fault moves on to the next provider (at once for an outage, after `attemptsPerProvider` for a
 * transient error), and a wait honours Retry-After. Every attempt carries the same idempotency key.
 */
export async function deliver(request: DeliverRequest): Promise<Delivery> {
  const { message, candidates, router, retry } = request;
  if (candidates.length === 0) {
    throw new RelayError({
      kind: 'config',
      message: "no provider may carry this message; check the stream's providers",
    });
  }
  const attempts = retry.attempts ?? 5;
  const maxTimeMs = retry.maxTimeMs ?? 30_000;
  const minDelay = retry.minDelayMs ?? 250;
  const maxDelay = retry.maxDelayMs ?? 8_000;
  const maxRetryAfter = retry.maxRetryAfterMs ?? 10_000;
  const perProvider = retry.attemptsPerProvider ?? 2;
  const random = request.random ?? Math.random;
  const started = Date.now();
  const deadline = started + maxTimeMs;

  let index = 0;
  let onThisProvider = 0;
  let nextDelay = 0;
  let last: RelayError | undefined;

  const run = (attempt: number): Promise<Delivery> => {
    const provider = candidates[index % candidates.length] as Provider;
    return request.instrument
      ? request.instrument(provider, attempt, () => runOn(provider, attempt))
      : runOn(provider, attempt);
  };

  const runOn = async (provider: Provider, attempt: number): Promise<Delivery> => {
    try {
      await request.beforeAttempt?.(provider, deadline, message, request.signal);
    } catch (error) {
      throw new AbortError(new GateError(toRelayError(error)));
    }
    try {
      // The caller's signal or none: each adapter gives each request its own signal, bounded by
      // its timeoutMs, and removes its listener when the request ends (see transport.ts).
      const result = await provider.send(message, {
        attempt,
        idempotencyKey: message.idempotencyKey,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      router.success(provider.name);
      return { provider, result, attempts: attempt };
    } catch (thrown) {
      const error = toRelayError(thrown, provider.name);
      last = error;
      // The caller gave up: not the provider's fault, and no further attempt.
      if (request.signal?.aborted) throw new AbortError(error);
      router.failure(provider.name, error);
      request.onAttemptFailed?.(provider, error, attempt);
      return decide(provider, error);
    }
  };

  /** After a failed attempt: stop, move on to the next provider, or wait and try again. */
  const decide = (provider: Provider, error: RelayError): never => {
    onThisProvider += 1;
    const others = candidates.length > 1;
    const moveOn =
      others &&
      error.providerFault &&
      (error.kind === 'provider-unavailable' ||
        error.kind === 'auth' ||
        onThisProvider >= perProvider ||
        (error.retryAfterMs ?? 0) > maxRetryAfter);
    if (moveOn) {
      const next = candidates[(index + 1) % candidates.length] as Provider;
      request.onFailover?.(provider, next, error);
      index += 1;
      onThisProvider = 0;
      nextDelay = 0;
      throw error;
    }
    if (!error.retryable) throw new AbortError(error);
    const backoff = Math.min(maxDelay, minDelay * 2 ** (onThisProvider - 1)) * random();
    nextDelay = Math.max(backoff, error.retryAfterMs ?? 0);
    if (Date.now() + nextDelay >= deadline) throw new AbortError(error);
    throw error;
  };

  /**
   * The prior attempt's failure, decided as attempt 1. Where its provider no longer leads the
   * route (its circuit opened meanwhile), attempt 2 goes to the one that does: a failover.
   */
  const replay = ({ provider, error }: NonNullable<DeliverRequest['prior']>): never => {
    last = error;
    if (candidates[0] === provider) return decide(provider, error);
    request.onFailover?.(provider, candidates[0] as Provider, error);
    throw error;
  };

  const settle = (error: unknown): never => {
    const inner =
      error instanceof AbortError
        ? (error as AbortError & { originalError: unknown }).originalError
        : error;
    if (inner instanceof GateError) throw inner.error;
    if (inner instanceof RelayError) throw inner;
    throw last ?? toRelayError(inner);
  };

  // Most sends succeed at once, so the first attempt runs the same `run` without p-retry around
  // it: p-retry's setup costs about 5 µs a call, which measured a quarter of the CPU of the
  // throttle-pipeline bench (test/bench/throttle-pipeline.bench.ts: about 110k against 60-70k
  // sends per CPU-second without this path). Every later attempt is p-retry's.
  try {
    if (request.prior) replay(request.prior);
    return await run(1);
  } catch (error) {
    if (error instanceof AbortError || attempts <= 1) settle(error);
  }
  try {
    await sleep(nextDelay, request.signal);
    nextDelay = 0;
    return await pRetry((n) => run(n + 1), {
      retries: attempts - 2,
      minTimeout: 0,
      maxTimeout: 0,
      maxRetryTime: Math.max(1, deadline - Date.now()),
      ...(request.signal ? { signal: request.signal } : {}),
      onFailedAttempt: async () => {
        await sleep(nextDelay, request.signal);
        nextDelay = 0;
      },
    });
  } catch (error) {
    return settle(error);
  }
}
