import { RelayError } from '@relaykit/core';
import { redact } from './connection.ts';

/** ioredis and BullMQ failures that mean Redis is away, not that a command was wrong. */
function isConnectionFault(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  if (
    typeof e.code === 'string' &&
    /^E(CONNREFUSED|CONNRESET|HOSTUNREACH|PIPE|TIMEDOUT)$/.test(e.code)
  )
    return true;
  const text = `${typeof e.name === 'string' ? e.name : ''} ${typeof e.message === 'string' ? e.message : ''}`;
  return /MaxRetriesPerRequest|max retries per request|Connection is closed|connect ECONNREFUSED|enableOfflineQueue|Stream isn't writeable|ETIMEDOUT|LOADING|Command timed out/i.test(
    text,
  );
}

/** The typed error of a store call that Redis did not answer: which store, where, what to check. */
export function storeUnavailable(
  store: string,
  describe: string,
  cause: unknown,
  timeoutMs?: number,
): RelayError {
  const reason =
    timeoutMs !== undefined
      ? `no answer within ${timeoutMs} ms`
      : cause instanceof Error
        ? cause.message.replace(/rediss?:\/\/[^\s]+/g, (u) => redact(u))
        : 'unknown error';
  return new RelayError({
    kind: 'transient',
    provider: 'redis',
    message: `the ${store} store cannot reach Redis at ${describe} (${reason}): check the server is running and reachable; the call was not completed`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Told of each failed and each answered call, to report an outage and its recovery once. */
export interface LinkHealth {
  fault(error: Error): void;
  ok(): void;
}

/**
 * Wraps a store so every call that returns a promise settles within `timeoutMs`: a Redis that
 * is stopped (SIGSTOP, a network partition) or gone (refused, restarting) turns into a typed
 * error naming the store and the address (never the password) instead of a call that waits
 * tens of seconds on ioredis's reconnects or forever on BullMQ's. A command that times out may
 * still complete later; every write here is idempotent (same key, same job id), so repeating
 * the call is safe.
 */
export function bounded<T extends object>(
  store: T,
  name: string,
  describe: string,
  timeoutMs: number,
  skip: readonly string[] = [],
  link?: LinkHealth,
): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || skip.includes(String(property))) return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        // A batch (suppression add or check, enqueue) gets 1 ms more per item: the bound is for a
        // server that does not answer, not for a big import.
        const limit = timeoutMs + (Array.isArray(args[0]) ? args[0].length : 0);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            const error = storeUnavailable(name, describe, undefined, limit);
            link?.fault(error);
            reject(error);
          }, limit);
          timer.unref?.();
          result.then(
            (v) => {
              clearTimeout(timer);
              link?.ok();
              resolve(v);
            },
            (error: unknown) => {
              clearTimeout(timer);
              if (error instanceof RelayError || !isConnectionFault(error)) {
                reject(error);
                return;
              }
              const typed = storeUnavailable(name, describe, error);
              link?.fault(typed);
              reject(typed);
            },
          );
        });
      };
    },
  });
}
