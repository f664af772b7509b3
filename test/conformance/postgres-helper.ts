import { randomBytes } from 'node:crypto';
import { postgresStores, type PostgresStores } from '@relaykit/postgres';

/** The PostgreSQL the tests use: DATABASE_URL or 127.0.0.1:5432. A missing one fails the run, never skips it. */
export const postgresUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own per test: parallel runs and tests never see each other's rows. */
export function uniqueSchema(label = 't'): string {
  return `relaykit_test_${label}_${randomBytes(5).toString('hex')}`;
}

/** A pool for setup and cleanup; throws (fails the suite) when PostgreSQL cannot be reached. */
export async function requirePostgres(): Promise<{
  pool: PostgresStores['pool'];
  dropSchema: (schema: string) => Promise<void>;
  close: () => Promise<void>;
}> {
  const stores = postgresStores({ connectionString: postgresUrl, migrate: false, max: 2 });
  try {
    await stores.ready();
  } catch (error) {
    await stores.close().catch(() => undefined);
    throw new Error(
      `These tests need PostgreSQL (set DATABASE_URL): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    pool: stores.pool,
    dropSchema: async (schema) => {
      await stores.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
    close: () => stores.close(),
  };
}
