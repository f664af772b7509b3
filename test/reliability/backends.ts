import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresStores } from '@relaykit/postgres';
import { redisStores } from '@relaykit/redis';
import { sqliteStores } from '@relaykit/sqlite';
import { postgresUrl, requirePostgres, uniqueSchema } from '../conformance/postgres-helper.ts';
import { deleteKeys, redisUrl, requireRedis, uniquePrefix } from '../conformance/redis-helper.ts';

export type Backend = 'sqlite' | 'redis' | 'postgres';

type Stores =
  | ReturnType<typeof sqliteStores>
  | ReturnType<typeof redisStores>
  | ReturnType<typeof postgresStores>;

/**
 * The stores a fixture process opens, from its env: STORES=sqlite (DB_FILE) | redis (REDIS_URL,
 * PREFIX) | postgres (DATABASE_URL, SCHEMA), as `withBackend` hands them to it.
 */
export function storesFromEnv(env: NodeJS.ProcessEnv): Stores {
  if (env['STORES'] === 'redis')
    return redisStores(env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', {
      prefix: env['PREFIX'] ?? 'relaykit:',
    });
  if (env['STORES'] === 'postgres')
    return postgresStores({
      connectionString: env['DATABASE_URL'] ?? '',
      ...(env['SCHEMA'] ? { schema: env['SCHEMA'] } : {}),
    });
  return sqliteStores(env['DB_FILE'] ?? 'relaykit.db');
}

/**
 * Runs `test` with a fresh place in one backend (a temporary SQLite file, a Redis prefix, a
 * PostgreSQL schema), the test's own stores on it, and the env that opens the same stores in a
 * fixture process; removes the place afterwards.
 */
export async function withBackend(
  backend: Backend,
  name: string,
  test: (stores: Stores, env: Record<string, string>) => Promise<void>,
): Promise<void> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `relaykit-${name}-`));
    const file = join(dir, 'relaykit.db');
    const stores = sqliteStores(file);
    try {
      await test(stores, { STORES: 'sqlite', DB_FILE: file });
    } finally {
      stores.close();
      rmSync(dir, { recursive: true, force: true });
    }
  } else if (backend === 'redis') {
    const admin = await requireRedis();
    const prefix = uniquePrefix(name);
    const stores = redisStores(redisUrl, { prefix });
    try {
      await test(stores, { STORES: 'redis', REDIS_URL: redisUrl, PREFIX: prefix });
    } finally {
      await stores.close();
      await deleteKeys(admin.redis, prefix);
      await admin.close();
    }
  } else {
    const admin = await requirePostgres();
    const schema = uniqueSchema(name.replaceAll('-', '_'));
    const stores = postgresStores({ connectionString: postgresUrl, schema });
    try {
      await test(stores, { STORES: 'postgres', DATABASE_URL: postgresUrl, SCHEMA: schema });
    } finally {
      await stores.close();
      await admin.dropSchema(schema);
      await admin.close();
    }
  }
}
