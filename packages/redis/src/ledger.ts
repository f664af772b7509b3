import type { Redis } from 'ioredis';
import type { Ledger, LedgerEntry } from '@relaykit/core';
import type { Keys } from './keys.ts';

type Stored = Omit<LedgerEntry, 'sentAt'> & { sentAt: number };

const revive = (json: string): LedgerEntry => {
  const s = JSON.parse(json) as Stored;
  return { ...s, sentAt: new Date(s.sentAt) };
};

/**
 * The send ledger: the entry under its provider message id (what webhooks look up), and a list
 * per relaykit message id, written in one MULTI. Both expire after `ttlMs`: events arrive within
 * days of a send, and a fleet's ledger must not grow without end.
 */
export function redisLedger(redis: Redis, keys: Keys, options: { ttlMs: number }): Ledger {
  return {
    async record(entry) {
      const json = JSON.stringify({ ...entry, sentAt: entry.sentAt.getTime() } satisfies Stored);
      const byMessage = keys.ledgerByMessage(entry.messageId);
      await redis
        .multi()
        .set(
          keys.ledgerByProvider(entry.provider, entry.providerMessageId),
          json,
          'PX',
          options.ttlMs,
        )
        .rpush(byMessage, json)
        .pexpire(byMessage, options.ttlMs)
        .exec();
    },
    async byMessageId(messageId) {
      return (await redis.lrange(keys.ledgerByMessage(messageId), 0, -1)).map(revive);
    },
    async byProviderMessageId(provider, providerMessageId) {
      const json = await redis.get(keys.ledgerByProvider(provider, providerMessageId));
      return json === null ? undefined : revive(json);
    },
  };
}
