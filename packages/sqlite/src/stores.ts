import type {
  CampaignStore,
  DedupeStore,
  Ledger,
  MessageStateStore,
  Outbox,
  RateStore,
  StrikeStore,
  SuppressionStore,
} from '@relaykit/core';
import { sqliteCampaignStore } from './campaigns.ts';
import { openDatabase, type OpenOptions, type SqliteDatabase } from './database.ts';
import { boundedSqlite } from './faults.ts';
import { sqliteDedupe } from './dedupe.ts';
import { sqliteLedger } from './ledger.ts';
import { sqliteOutbox } from './outbox.ts';
import { sqliteRateStore } from './rate.ts';
import { sqliteStateStore } from './state.ts';
import { sqliteStrikeStore } from './strikes.ts';
import { sqliteSuppressionStore } from './suppression.ts';

export interface SqliteStores {
  db: SqliteDatabase;
  suppression: SuppressionStore;
  strikes: StrikeStore;
  ledger: Ledger;
  state: MessageStateStore;
  dedupe: DedupeStore;
  outbox: Outbox;
  /** Token buckets shared by the processes using this file (createThrottle({ store })). */
  rate: RateStore;
  /** Campaign progress: `relay.campaign` run again with the same id resumes after a crash. */
  campaigns: CampaignStore;
  close(): void;
}

/**
 * Every relaykit store in one SQLite file (WAL, versioned migrations).
 *
 * @example
 * const stores = sqliteStores('relaykit.db');
 * const relay = createRelay({ providers, stores }); // every store, strikes, rate and campaigns included
 */
export function sqliteStores(
  target: string | SqliteDatabase,
  options: OpenOptions = {},
): SqliteStores {
  const db = openDatabase(target, options);
  const timeoutMs = options.storeTimeoutMs ?? 2000;
  const path = db.name;
  const setBusyTimeout = (ms: number): void => {
    db.pragma(`busy_timeout = ${Math.ceil(ms)}`);
  };
  const wrap = <T extends object>(store: T, name: string): T =>
    boundedSqlite(store, name, path, timeoutMs, setBusyTimeout);
  return {
    db,
    suppression: wrap(sqliteSuppressionStore(db), 'suppression'),
    strikes: wrap(sqliteStrikeStore(db), 'strikes'),
    ledger: wrap(sqliteLedger(db), 'ledger'),
    state: wrap(sqliteStateStore(db), 'state'),
    dedupe: wrap(sqliteDedupe(db), 'dedupe'),
    outbox: wrap(sqliteOutbox(db), 'outbox'),
    rate: wrap(sqliteRateStore(db), 'rate'),
    campaigns: wrap(sqliteCampaignStore(db), 'campaigns'),
    close: () => db.close(),
  };
}
