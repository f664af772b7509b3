import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStores } from '@relaykit/sqlite';
import { describeStores } from './stores.suite.ts';

describeStores('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-sqlite-'));
  const file = join(dir, 'relaykit.db');
  const stores = sqliteStores(file);
  return {
    ...stores,
    // The file opened again by a new connection, as a restarted process would.
    reopen: () => {
      const again = sqliteStores(file);
      return { campaigns: again.campaigns, close: () => again.close() };
    },
    cleanup: () => {
      stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
