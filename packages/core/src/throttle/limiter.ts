import { RelayError } from '../errors.ts';
import { watchAbort } from '../abort.ts';

/**
 * A limiter that replaces the RateStore for a budget (every budget, one profile or one account),
 * e.g. a Bottleneck the application already shares across its processes.
 */
export interface Limiter {
  /**
   * Resolves when `cost` units for `key` may go at the pace `ratePerSec` (the adaptive rate in
   * force; a limiter may ignore it and keep its own); rejects when they cannot be had before
   * `deadline` or `signal` aborts.
   */
  acquire(request: {
    key: string;
    cost: number;
    ratePerSec: number;
    deadline: number;
    signal?: AbortSignal;
  }): Promise<void>;
}

/** The part of a Bottleneck instance (or Bottleneck cluster, with a Redis datastore) relaykit uses. */
export interface BottleneckLike {
  schedule<R>(
    options: { weight?: number; expiration?: number },
    task: () => Promise<R>,
  ): Promise<R>;
  updateSettings?(settings: { minTime?: number }): unknown;
}

/** A Bottleneck.Group: one limiter per key. */
export interface BottleneckGroupLike {
  key(key: string): BottleneckLike;
}

export interface BottleneckLimiterOptions {
  /** Set Bottleneck's minTime from the adaptive rate whenever it changes. @default false (Bottleneck keeps its own settings) */
  followRate?: boolean;
}

/**
 * Uses a Bottleneck (or a Group, one limiter per budget key) as the throttle's limiter. Typed
 * structurally: core does not depend on bottleneck. A send that times out still holds its place
 * in Bottleneck's queue (Bottleneck cannot withdraw a queued job), so it uses a slot when it runs.
 */
export function bottleneckLimiter(
  limiter: BottleneckLike | BottleneckGroupLike,
  options: BottleneckLimiterOptions = {},
): Limiter {
  const applied = new Map<string, number>();
  const resolve = (key: string): BottleneckLike =>
    'key' in limiter && typeof limiter.key === 'function'
      ? limiter.key(key)
      : (limiter as BottleneckLike);
  return {
    acquire({ key, cost, ratePerSec, deadline, signal }) {
      const b = resolve(key);
      if (options.followRate && b.updateSettings && applied.get(key) !== ratePerSec) {
        applied.set(key, ratePerSec);
        b.updateSettings({
          minTime: ratePerSec < Number.POSITIVE_INFINITY ? Math.ceil(1000 / ratePerSec) : 0,
        });
      }
      return new Promise<void>((resolvePromise, reject) => {
        const left = deadline - Date.now();
        const timer = setTimeout(
          () => {
            unwatch?.();
            reject(
              new RelayError({
                kind: 'rate-limited',
                retryAfterMs: 1000,
                message: `no Bottleneck slot for ${key} before the deadline; retry later or raise the limit`,
              }),
            );
          },
          Math.max(0, left),
        );
        const unwatch = signal
          ? watchAbort(signal, () => {
              clearTimeout(timer);
              reject(signal.reason);
            })
          : undefined;
        b.schedule({ weight: cost }, () => Promise.resolve()).then(
          () => {
            clearTimeout(timer);
            unwatch?.();
            resolvePromise();
          },
          (error: unknown) => {
            clearTimeout(timer);
            unwatch?.();
            reject(error);
          },
        );
      });
    },
  };
}
