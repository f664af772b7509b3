export { redact, type PoolLike, type PostgresOptions, type Queryable } from './database.ts';
export { type PostgresOutbox } from './outbox.ts';
export { migrate, postgresStores, type PostgresStores } from './stores.ts';
