import { createHash } from 'node:crypto';
import type { Reply } from '../http/reply.ts';
import { resendError } from './errors.ts';

const TTL_MS = 24 * 3600_000;

interface Entry {
  readonly fingerprint: string;
  readonly at: number;
  reply: Reply | undefined; // undefined while the first request is in progress
}

export interface IdempotencyStore {
  /** Runs `handler` once per key: replays its answer for the same body, refuses a different body or a concurrent one. */
  run(
    key: string | undefined,
    path: string,
    body: Buffer,
    handler: () => Promise<Reply>,
  ): Promise<Reply>;
  clear(): void;
}

/** Resend's Idempotency-Key: 24 h, per endpoint; error answers are not kept, so a failed send can be retried. */
export function createIdempotencyStore(now: () => number): IdempotencyStore {
  const entries = new Map<string, Entry>();
  return {
    async run(key, path, body, handler) {
      if (key === undefined) return handler();
      if (key.length < 1 || key.length > 256)
        return resendError(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
      const id = `${path} ${key}`;
      const fingerprint = createHash('sha256').update(body).digest('hex');
      const existing = entries.get(id);
      if (existing && now() - existing.at < TTL_MS) {
        if (existing.fingerprint !== fingerprint) {
          return resendError(
            409,
            'invalid_idempotent_request',
            'Same idempotency key used with a different request payload. Change your idempotency key or payload.',
          );
        }
        if (existing.reply === undefined) {
          return resendError(
            409,
            'concurrent_idempotent_requests',
            'Same idempotency key used while original request is still in progress. Try the request again later.',
          );
        }
        return existing.reply;
      }
      const entry: Entry = { fingerprint, at: now(), reply: undefined };
      entries.set(id, entry);
      const reply = await handler();
      if ('status' in reply && reply.status >= 200 && reply.status < 300) entry.reply = reply;
      else entries.delete(id);
      return reply;
    },
    clear: () => entries.clear(),
  };
}
