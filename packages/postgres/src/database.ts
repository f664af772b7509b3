import pg from 'pg';
import { RelayError } from '@relaykit/core';
import { migrationsFor } from './migrations.ts';

/**
 * Anything that runs a query: a `pg.Pool`, a `pg.Client`, or the `PoolClient` of an open
 * transaction. Structural, so a caller's client from another copy of pg fits.
 */
export interface Queryable {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}

/** A pool that hands out clients for transactions (pg.Pool). */
export interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(error?: Error | boolean): void }>;
  end(): Promise<void>;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PostgresOptions {
  /** Your pool (you keep owning it: `close()` leaves it open). */
  pool?: PoolLike | undefined;
  /** Or a `postgres://` URL; the stores open (and close) a pool of their own. */
  connectionString?: string | undefined;
  /** Connections in the pool opened from `connectionString`. @default 10 */
  max?: number;
  /** The schema relaykit's tables live in; created when missing. @default 'relaykit' */
  schema?: string;
  /** Put before every table name, so several deployments can share one schema. @default '' */
  tablePrefix?: string;
  /**
   * Run the schema migrations before the first query (under an advisory lock, so many processes
   * starting at once apply each migration once). false: you run `migrate()` yourself, at deploy.
   * @default true
   */
  migrate?: boolean;
  /**
   * Longest a store call waits for PostgreSQL (an answer, and a connection from the pool opened
   * from `connectionString`; pg waits forever by default). Past it the call fails with a
   * RelayError (kind 'transient', provider 'postgres') naming host, port and database.
   * Migrations are not bounded. @default 2000
   */
  storeTimeoutMs?: number;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/** A URL may carry a password: never let it reach an error message or a log. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return `${parsed.protocol}//${parsed.username ? `${parsed.username}${parsed.password ? ':***' : ''}@` : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'an unparseable PostgreSQL URL';
  }
}

/** What the stores share: the pool, quoted table names, and queries that wait for migrations. */
export interface Database {
  pool: PoolLike;
  schema: string;
  prefix: string;
  /** The quoted, schema-qualified name of a relaykit table (or function). */
  table(name: string): string;
  /** Where the data lives, for error messages: host, port and database, never a password. */
  describe: string;
  /**
   * One statement, bounded by storeTimeoutMs plus 1 ms for each of `rows` (a 10,000-row batch
   * gets 10 s more: the bound is for a server that does not answer, not for big batches).
   */
  query(
    text: string,
    values?: unknown[],
    rows?: number,
  ): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
  /** Runs `fn` in one transaction on one pooled connection. */
  transaction<T>(fn: (client: Queryable) => Promise<T>): Promise<T>;
  /** Resolves once the schema is up to date (or at once with migrate: false). */
  ready: Promise<void>;
  /** Applies pending migrations (no time bound: they wait on each other's lock). */
  migrate(): Promise<void>;
  /** Closes the pool when the stores opened it. */
  close(): Promise<void>;
}

function configError(message: string, cause?: unknown): RelayError {
  return new RelayError({
    kind: 'config',
    provider: 'postgres',
    message,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** SQLSTATE classes that mean the server or the connection is gone, not that the query is wrong. */
function isConnectionFault(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  // https://www.postgresql.org/docs/current/errcodes-appendix.html: 08 connection exception,
  // 57P01-57P03 admin shutdown / crash shutdown / cannot connect now, 53300 too many connections.
  if (/^08|^57P0[123]$|^53300$/.test(code)) return true;
  if (/^E(CONNREFUSED|CONNRESET|HOSTUNREACH|NOTFOUND|PIPE|TIMEDOUT)$|^EAI_AGAIN$/.test(code))
    return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(
    message,
  );
}

/** Turns a failure into a RelayError naming PostgreSQL and where it is (never the password). */
export function storeError(describe: string, error: unknown): unknown {
  if (error instanceof RelayError) return error;
  if (!isConnectionFault(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new RelayError({
    kind: 'transient',
    provider: 'postgres',
    message: `PostgreSQL at ${describe} is unavailable (${reason.replace(/postgres(ql)?:\/\/\S+/g, (u) => redact(u))}): check the server is running and reachable`,
    cause: error,
  });
}

function describeTarget(options: PostgresOptions): string {
  if (options.connectionString) {
    try {
      const u = new URL(options.connectionString);
      return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
    } catch {
      return redact(options.connectionString);
    }
  }
  const p = options.pool as { options?: { host?: string; port?: number; database?: string } };
  const o = p?.options;
  if (o?.host || o?.database)
    return `${o.host ?? 'localhost'}:${String(o.port ?? 5432)}/${o.database ?? ''}`;
  return 'the given pool';
}

export function openDatabase(options: PostgresOptions): Database {
  const schema = options.schema ?? 'relaykit';
  const prefix = options.tablePrefix ?? '';
  if (!identifier.test(schema))
    throw configError(
      `schema ${JSON.stringify(schema)} is not a plain identifier: use letters, digits and _ (starting with a letter or _), up to 41 characters`,
    );
  if (prefix !== '' && !/^[A-Za-z_][A-Za-z0-9_]{0,20}$/.test(prefix))
    throw configError(
      `tablePrefix ${JSON.stringify(prefix)} is not a plain identifier: use letters, digits and _ (starting with a letter or _), up to 21 characters`,
    );
  let pool: PoolLike;
  let owned = false;
  if (options.pool) {
    pool = options.pool;
  } else if (options.connectionString) {
    if (!/^postgres(ql)?:\/\//.test(options.connectionString))
      throw configError(
        `${redact(options.connectionString)} is not a PostgreSQL URL: give postgres://user@host:port/database`,
      );
    const created = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      // A little past storeTimeoutMs: a query's own bound (armed just after pg-pool's wait for a
      // free client) then always fires first, so a stalled server gets one error, not one of two.
      connectionTimeoutMillis: (options.storeTimeoutMs ?? 2000) + 50,
    });
    // An idle client's error would otherwise crash the process; the next query reports it.
    created.on('error', () => undefined);
    pool = created as unknown as PoolLike;
    owned = true;
  } else {
    throw configError(
      'postgresStores needs { pool } (a pg.Pool) or { connectionString: "postgres://..." }',
    );
  }
  const describe = describeTarget(options);
  const table = (name: string) => `"${schema}"."${prefix}${name}"`;

  const timeoutMs = options.storeTimeoutMs ?? 2000;
  /**
   * A query that settles within `limit` ms: a server that accepts connections and never answers
   * (stopped, partitioned) turns into the typed error instead of a call that waits forever.
   */
  const run = async (
    client: Queryable,
    text: string,
    values?: unknown[],
    limit: number | undefined = timeoutMs,
  ) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const query = client.query(text, values);
      if (limit === undefined) return await query;
      query.catch(() => undefined);
      return await Promise.race([
        query,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new RelayError({
                  kind: 'transient',
                  provider: 'postgres',
                  message: `PostgreSQL at ${describe} did not answer within ${limit} ms (storeTimeoutMs): check the server is running and reachable; the statement may still complete`,
                }),
              ),
            limit,
          );
        }),
      ]);
    } catch (error) {
      throw storeError(describe, error);
    } finally {
      clearTimeout(timer);
    }
  };
  const transactionWith =
    (limit: number | undefined) =>
    async <T>(fn: (client: Queryable) => Promise<T>): Promise<T> => {
      let client: Awaited<ReturnType<PoolLike['connect']>>;
      try {
        client = await pool.connect();
      } catch (error) {
        throw storeError(describe, error);
      }
      let broken = false;
      try {
        await run(client, 'BEGIN', undefined, limit);
        const result = await fn({ query: (text, values) => run(client, text, values, limit) });
        await run(client, 'COMMIT', undefined, limit);
        return result;
      } catch (error) {
        try {
          await run(client, 'ROLLBACK', undefined, limit);
        } catch {
          // A connection that cannot roll back is closed rather than handed to the next caller.
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    };
  const transaction = transactionWith(timeoutMs);
  // Migrations wait on each other's advisory lock and may rewrite tables: no time bound.
  const migrationTransaction = transactionWith(undefined);

  const db: Database = {
    pool,
    schema,
    prefix,
    table,
    describe,
    ready: Promise.resolve(),
    async query(text, values, rows = 0) {
      await db.ready;
      return run(pool, text, values, timeoutMs + rows);
    },
    async transaction(fn) {
      await db.ready;
      return transaction(fn);
    },
    migrate: () => migrateDatabase({ schema, prefix, describe, transaction: migrationTransaction }),
    async close() {
      if (owned) await pool.end();
    },
  };
  if (options.migrate !== false) {
    db.ready = db.migrate();
    // Reported by every query that waits on it; not an unhandled rejection meanwhile.
    db.ready.catch(() => undefined);
  }
  return db;
}

/**
 * Brings the schema up to date: each migration newer than the recorded version runs in its own
 * transaction, under a transaction-scoped advisory lock so that processes starting together apply
 * it once (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
 */
export async function migrateDatabase(target: {
  schema: string;
  prefix: string;
  describe: string;
  transaction<T>(fn: (client: Queryable) => Promise<T>): Promise<T>;
}): Promise<void> {
  const { schema, prefix } = target;
  const migrations = migrationsFor(schema, prefix);
  const versions = `"${schema}"."${prefix}schema_migrations"`;
  // One lock per schema, whatever the prefix: CREATE SCHEMA IF NOT EXISTS races otherwise.
  const lock = `relaykit:${schema}`;
  const step = async (): Promise<boolean> =>
    target.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lock]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${versions} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query(`SELECT COALESCE(MAX(version), 0) AS v FROM ${versions}`);
      const current = Number(rows[0]?.['v'] ?? 0);
      if (current > migrations.length)
        throw configError(
          `the schema "${schema}" at ${target.describe} is at version ${current}, newer than this @relaykit/postgres (${migrations.length}): upgrade the package`,
        );
      if (current === migrations.length) return false;
      await client.query(migrations[current] as string);
      await client.query(`INSERT INTO ${versions} (version) VALUES ($1)`, [current + 1]);
      return true;
    });
  while (await step());
}
