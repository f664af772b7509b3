import { postgresStores } from '@relaykit/postgres';
import { afterAll, beforeAll } from 'vitest';
import { postgresUrl, requirePostgres, uniqueSchema } from './postgres-helper.ts';
import { describeStores } from './stores.suite.ts';

let admin: Awaited<ReturnType<typeof requirePostgres>>;
beforeAll(async () => {
  admin = await requirePostgres();
});
afterAll(() => admin.close());

describeStores('postgres', () => {
  // A schema per test, migrated on first use and dropped after.
  const schema = uniqueSchema('stores');
  const stores = postgresStores({ connectionString: postgresUrl, schema });
  return {
    ...stores,
    reopen: () => {
      const again = postgresStores({ connectionString: postgresUrl, schema });
      return { campaigns: again.campaigns, close: () => again.close() };
    },
    cleanup: async () => {
      await stores.close();
      await admin.dropSchema(schema);
    },
  };
});
