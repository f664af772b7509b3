import type { DedupeStore, StrikeStore, SuppressionStore } from '@relaykit/core';
import { UsageError } from './io.ts';

export const defaultStore = 'sqlite:./relaykit.db';

export interface OpenedStore {
  suppression: SuppressionStore;
  strikes: StrikeStore;
  dedupe: DedupeStore;
  /** What the store is, safe to print (no password). */
  label: string;
  close(): Promise<void>;
}

/**
 * Opens the stores behind `--store`: `sqlite:<path>` (one file on this machine) or
 * `redis://…`/`rediss://…` (shared by a fleet). The backends load on demand, so a command that
 * needs neither does not pay for better-sqlite3 or ioredis.
 */
export async function openStore(
  spec: string,
  options: { redisPrefix?: string } = {},
): Promise<OpenedStore> {
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (path === '') throw new UsageError(`--store sqlite: needs a path, e.g. ${defaultStore}`);
    const { sqliteStores } = await import('@relaykit/sqlite');
    const stores = sqliteStores(path);
    return {
      suppression: stores.suppression,
      strikes: stores.strikes,
      dedupe: stores.dedupe,
      label: `sqlite:${path}`,
      close: async () => stores.close(),
    };
  }
  if (/^rediss?:\/\//u.test(spec)) {
    const { redisStores, redact } = await import('@relaykit/redis');
    const stores = redisStores(
      spec,
      options.redisPrefix === undefined ? {} : { prefix: options.redisPrefix },
    );
    try {
      await stores.ready();
    } catch (error) {
      await stores.close().catch(() => undefined);
      throw error;
    }
    return {
      suppression: stores.suppression,
      strikes: stores.strikes,
      dedupe: stores.dedupe,
      label: redact(spec),
      close: () => stores.close(),
    };
  }
  throw new UsageError(
    `--store must be sqlite:<path> or redis://host:port, not '${spec.split(':')[0] ?? spec}:…'`,
  );
}
