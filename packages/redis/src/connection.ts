import { Redis, type RedisOptions } from 'ioredis';
import { RelayError } from '@relaykit/core';

/** A Redis client, a `redis://` URL, or ioredis options. */
export type RedisTarget = Redis | string | RedisOptions;

/** A URL may carry a password: never let it reach an error message or a log. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    // redis://secret@host puts the password where a username would be.
    if (parsed.password) parsed.password = '***';
    else if (parsed.username) parsed.username = '***';
    return parsed.toString();
  } catch {
    return 'an unparseable Redis URL';
  }
}

// Duck-typed: the caller's client may come from another copy of ioredis than ours.
function isClient(target: RedisTarget): target is Redis {
  return (
    typeof target === 'object' &&
    typeof (target as Partial<Redis>).duplicate === 'function' &&
    typeof (target as Partial<Redis>).evalsha === 'function'
  );
}

/** Uses the caller's client as is (they own it), or opens one we own and close. */
export function connect(target: RedisTarget): { redis: Redis; owned: boolean; describe: string } {
  if (isClient(target)) return { redis: target, owned: false, describe: 'the given client' };
  if (typeof target === 'string') {
    if (!/^rediss?:\/\//.test(target)) {
      throw new RelayError({
        kind: 'config',
        provider: 'redis',
        message: `${redact(target)} is not a Redis URL: give redis://host:port or rediss://host:port`,
      });
    }
    return {
      redis: new Redis(target, { lazyConnect: false }),
      owned: true,
      describe: redact(target),
    };
  }
  return {
    redis: new Redis(target),
    owned: true,
    describe: `${target.host ?? '127.0.0.1'}:${String(target.port ?? 6379)}`,
  };
}

/** Turns a connection failure into a RelayError that says where and what to check. */
export function connectionError(describe: string, cause: unknown): RelayError {
  const reason =
    cause instanceof Error
      ? cause.message.replace(/rediss?:\/\/[^\s]+/g, (u) => redact(u))
      : 'unknown error';
  return new RelayError({
    kind: 'config',
    provider: 'redis',
    message: `cannot reach Redis at ${describe} (${reason}): check the server is running and the URL, password and TLS settings`,
    cause,
  });
}
