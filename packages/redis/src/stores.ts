import type {
  CampaignStore,
  DedupeStore,
  Ledger,
  MessageStateStore,
  Outbox,
  RateStore,
  StrikeStore,
} from '@relaykit/core';
import type { Redis } from 'ioredis';
import { redisCampaignStore } from './campaigns.ts';
import { connect, connectionError, type RedisTarget } from './connection.ts';
import { bounded, type LinkHealth } from './bounded.ts';
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
  /**
   * Longest a store call waits for Redis. Past it (Redis stopped, gone or restarting) the call
   * fails with a RelayError (kind 'transient', provider 'redis') naming the store and the
   * address; a send whose suppression check fails this way is refused, never sent unchecked.
   * @default 2000
   */
  storeTimeoutMs?: number;
  /**
   * Called once when Redis becomes unreachable and once when it answers again (not per retry):
   * log or alert from here. The address never carries a password.
   */
  onConnection?: (event: RedisConnectionEvent) => void;
}

export interface RedisConnectionEvent {
  type: 'outage' | 'recovery';
  address: string;
  at: Date;
  /** What failed, for an outage. */
  error?: Error;
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
  /** Campaign progress: `relay.campaign` run again with the same id resumes after a crash. */
  campaigns: CampaignStore;
  /** Resolves once Redis answers; rejects with a 'config' RelayError saying what to check. */
  ready(): Promise<void>;
  /** Stops the outbox's workers and closes the connections this opened (not a client you passed). */
  close(): Promise<void>;
}

const day = 86_400_000;

/**
 * Every relaykit store on one Redis, for a fleet of processes: the suppression list, strikes,
 * ledger, dedupe and replay caches, message state, shared rate limits, campaign progress, and an
 * outbox on BullMQ.
 *
 * @example
 * const stores = redisStores(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const relay = createRelay({ providers, stores }); // every store, strikes, rate and campaigns included
 */
export function redisStores(target: RedisTarget, options: RedisStoresOptions = {}): RedisStores {
  const { redis, owned, describe } = connect(target);
  // Errors surface on each call (typed, bounded); an unhandled 'error' event would crash the
  // process instead. One outage event when the link fails, one recovery event when it is back.
  // A stopped server (SIGSTOP, a partition) drops no connection: the first call that times out
  // reports that outage, and the first answer after it the recovery.
  let down = false;
  const link: LinkHealth = {
    fault(error) {
      if (down) return;
      down = true;
      options.onConnection?.({ type: 'outage', address: describe, at: new Date(), error });
    },
    ok() {
      if (!down) return;
      down = false;
      options.onConnection?.({ type: 'recovery', address: describe, at: new Date() });
    },
  };
  redis.on('error', (error: Error) => link.fault(error));
  redis.on('ready', () => link.ok());
  const prefix = options.prefix ?? 'relaykit:';
  const keys = keysFor(prefix);
  const timeoutMs = options.storeTimeoutMs ?? 2000;
  const bound = <T extends object>(store: T, name: string, skip: readonly string[] = []) =>
    bounded(store, name, describe, timeoutMs, skip, link);
  const outbox = redisOutbox(redis, prefix, options.outbox);
  return {
    redis,
    suppression: bound(redisSuppressionStore(redis, keys, options.suppression), 'suppression'),
    strikes: bound(redisStrikeStore(redis, keys), 'strikes'),
    ledger: bound(redisLedger(redis, keys, { ttlMs: options.ledgerTtlMs ?? 30 * day }), 'ledger'),
    rate: bound(redisRateStore(redis, keys), 'rate'),
    dedupe: bound(redisDedupe(redis, keys.dedupe), 'dedupe'),
    replay: bound(redisDedupe(redis, keys.replay), 'replay'),
    state: bound(
      redisStateStore(redis, keys, { ttlMs: options.stateTtlMs ?? 30 * day }),
      'message state',
    ),
    // The consumer and close run as long as they must; enqueue, get and counts are bounded.
    outbox: bound(outbox, 'outbox', ['consume', 'close']),
    campaigns: bound(redisCampaignStore(redis, keys), 'campaigns'),
    async ready() {
      try {
        await bound({ ping: () => redis.ping() }, 'connection').ping();
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
