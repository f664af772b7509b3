export { migrate, openDatabase, type OpenOptions, type SqliteDatabase } from './database.ts';
export { sqliteDedupe } from './dedupe.ts';
export { sqliteLedger } from './ledger.ts';
export { sqliteOutbox } from './outbox.ts';
export { sqliteRateStore } from './rate.ts';
export { sqliteStateStore } from './state.ts';
export { sqliteStrikeStore } from './strikes.ts';
export { sqliteSuppressionStore } from './suppression.ts';
export { sqliteStores, type SqliteStores } from './stores.ts';
