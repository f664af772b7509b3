export {
  redisStores,
  type RedisConnectionEvent,
  type RedisStores,
  type RedisStoresOptions,
} from './stores.ts';
export { redact, type RedisTarget } from './connection.ts';
export {
  redisSuppressionStore,
  type RedisSuppressionOptions,
  type RedisSuppressionStore,
} from './suppression.ts';
export { redisStrikeStore } from './strikes.ts';
export { redisLedger } from './ledger.ts';
export { redisDedupe } from './dedupe.ts';
export { redisStateStore } from './state.ts';
export { redisRateStore } from './rate.ts';
export { redisCampaignStore } from './campaigns.ts';
export { redisOutbox, type RedisOutboxOptions } from './outbox.ts';
export { keysFor, type Keys } from './keys.ts';
