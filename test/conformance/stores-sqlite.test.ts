import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStores } from '@relaykit/sqlite';
import { describeStores } from './stores.suite.ts';

describeStores('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-sqlite-'));
  const stores = sqliteStores(join(dir, 'relaykit.db'));
  return {
    ...stores,
    cleanup: () => {
      stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
