import type {
  CampaignStore,
  DedupeStore,
  Ledger,
  MessageStateStore,
  RateStore,
  StrikeStore,
  SuppressionStore,
} from '@relaykit/core';
import { postgresCampaignStore } from './campaigns.ts';
import { openDatabase, type PoolLike, type PostgresOptions } from './database.ts';
import { postgresDedupe } from './dedupe.ts';
import { postgresLedger } from './ledger.ts';
import { postgresOutbox, type PostgresOutbox } from './outbox.ts';
import { postgresRateStore } from './rate.ts';
import { postgresStateStore } from './state.ts';
import { postgresStrikeStore } from './strikes.ts';
import { postgresSuppressionStore } from './suppression.ts';

export interface PostgresStores {
  /** The pool the stores query through (yours, or the one opened from connectionString). */
  pool: PoolLike;
  /** The schema and prefix in use, e.g. for your own queries against the tables. */
  schema: string;
  tablePrefix: string;
  suppression: SuppressionStore;
  strikes: StrikeStore;
  ledger: Ledger;
  state: MessageStateStore;
  dedupe: DedupeStore;
  /** A separate key space for webhook replay guards (Mailgun tokens): `mailgun({ replay })`. */
  replay: DedupeStore;
  /** Token buckets shared by every process on this database (createThrottle({ store })). */
  rate: RateStore;
  /** Claimed with FOR UPDATE SKIP LOCKED; `enqueue(messages, { tx })` joins your transaction. */
  outbox: PostgresOutbox;
  /** Campaign progress: `relay.campaign` run again with the same id resumes after a crash. */
  campaigns: CampaignStore;
  /** Resolves once PostgreSQL answers and the schema is up to date; rejects saying what to check. */
  ready(): Promise<void>;
  /** Closes the pool when the stores opened it (not a pool you passed). */
  close(): Promise<void>;
}

/**
 * Every relaykit store in your PostgreSQL: the suppression list, strikes, ledger, message state,
 * dedupe and replay caches, shared rate limits, campaign progress, and an outbox that any number
 * of workers share and that your own transactions can enqueue to.
 *
 * @example
 * const stores = postgresStores({ connectionString: process.env.DATABASE_URL });
 * const relay = createRelay({ providers, stores }); // every store, strikes, rate and campaigns included
 */
export function postgresStores(options: PostgresOptions): PostgresStores {
  const db = openDatabase(options);
  return {
    pool: db.pool,
    schema: db.schema,
    tablePrefix: db.prefix,
    suppression: postgresSuppressionStore(db),
    strikes: postgresStrikeStore(db),
    ledger: postgresLedger(db),
    state: postgresStateStore(db),
    dedupe: postgresDedupe(db),
    replay: postgresDedupe(db, 'replay:'),
    rate: postgresRateStore(db),
    outbox: postgresOutbox(db),
    campaigns: postgresCampaignStore(db),
    async ready() {
      await db.query('SELECT 1');
    },
    close: () => db.close(),
  };
}

/**
 * Runs relaykit's schema migrations and resolves once they are applied: for deploy scripts, with
 * `postgresStores({ ..., migrate: false })` in the application. Safe to run from several
 * processes at once.
 */
export async function migrate(
  options: Pick<
    PostgresOptions,
    'pool' | 'connectionString' | 'schema' | 'tablePrefix' | 'storeTimeoutMs'
  >,
): Promise<void> {
  const db = openDatabase({ ...options, migrate: false });
  try {
    await db.migrate();
  } finally {
    await db.close();
  }
}
