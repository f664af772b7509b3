import type {
  DedupeStore,
  Ledger,
  MessageStateStore,
  Outbox,
  RateStore,
  StrikeStore,
} from '@relaykit/core';
import type { Redis } from 'ioredis';
import { connect, connectionError, type RedisTarget } from './connection.ts';
import { redisDedupe } from './dedupe.ts';
import { keysFor } from './keys.ts';
import { redisLedger } from './ledger.ts';
import { redisOutbox, type RedisOutboxOptions } from './outbox.ts';
import { redisRateStore } from './rate.ts';
import { redisStateStore } from './state.ts';
import { redisStrikeStore } from './strikes.ts';
import {
  redisSuppressionStore,
  type RedisSuppressionOptions,
  type RedisSuppressionStore,
} from './suppression.ts';

export interface RedisStoresOptions {
  /** Put before every key, so several relaykit deployments can share one Redis. @default 'relaykit:' */
  prefix?: string;
  /** How long ledger entries (provider message id → message) live. @default 30 days */
  ledgerTtlMs?: number;
  /** How long per-recipient message state lives after its last event. @default 30 days */
  stateTtlMs?: number;
  suppression?: RedisSuppressionOptions;
  outbox?: RedisOutboxOptions;
}

export interface RedisStores {
  redis: Redis;
  suppression: RedisSuppressionStore;
  strikes: StrikeStore;
  ledger: Ledger;
  rate: RateStore;
  dedupe: DedupeStore;
  /** A separate key space for webhook replay guards (Mailgun tokens): `mailgun({ replay })`. */
  replay: DedupeStore;
  state: MessageStateStore;
  outbox: Outbox;
  /** Resolves once Redis answers; rejects with a 'config' RelayError saying what to check. */
  ready(): Promise<void>;
  /** Stops the outbox's workers and closes the connections this opened (not a client you passed). */
  close(): Promise<void>;
}

const day = 86_400_000;

/**
 * Every relaykit store on one Redis, for a fleet of processes: the suppression list, strikes,
 * ledger, dedupe and replay caches, message state, shared rate limits, and an outbox on BullMQ.
 *
 * @example
 * const stores = redisStores(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const relay = createRelay({ providers, stores }); // every store, strikes and rate included
 */
export function redisStores(target: RedisTarget, options: RedisStoresOptions = {}): RedisStores {
  const { redis, owned, describe } = connect(target);
  // Errors surface on each call; an unhandled 'error' event would crash the process instead.
  if (owned) redis.on('error', () => undefined);
  const prefix = options.prefix ?? 'relaykit:';
  const keys = keysFor(prefix);
  const outbox = redisOutbox(redis, prefix, options.outbox);
  return {
    redis,
    suppression: redisSuppressionStore(redis, keys, options.suppression),
    strikes: redisStrikeStore(redis, keys),
    ledger: redisLedger(redis, keys, { ttlMs: options.ledgerTtlMs ?? 30 * day }),
    rate: redisRateStore(redis, keys),
    dedupe: redisDedupe(redis, keys.dedupe),
    replay: redisDedupe(redis, keys.replay),
    state: redisStateStore(redis, keys, { ttlMs: options.stateTtlMs ?? 30 * day }),
    outbox,
    async ready() {
      try {
        await redis.ping();
      } catch (error) {
        throw connectionError(describe, error);
      }
    },
    async close() {
      await outbox.close();
      if (owned) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
