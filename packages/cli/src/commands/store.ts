import type { DedupeStore, StoreSet, StrikeStore, SuppressionStore } from '@relaykit/core';
import { UsageError } from './io.ts';

export const defaultStore = 'sqlite:./relaykit.db';

export interface OpenedStore {
  suppression: SuppressionStore;
  strikes: StrikeStore;
  dedupe: DedupeStore;
  /** Every store of the backend (ledger, state, outbox, rate, campaigns where it has them), for createRelay({ stores }). */
  set: StoreSet;
  /** What the store is, safe to print (no password). */
  label: string;
  close(): Promise<void>;
}

/**
 * Opens the stores behind `--store`: `sqlite:<path>` (one file on this machine),
 * `redis://…`/`rediss://…` (shared by a fleet) or `postgres://…` (the application's database).
 * The backends load on demand, so a command that needs none does not pay for better-sqlite3,
 * ioredis or pg.
 */
export async function openStore(
  spec: string,
  options: { redisPrefix?: string } = {},
): Promise<OpenedStore> {
  if (/^postgres(ql)?:\/\//u.test(spec)) {
    const { postgresStores, redact } = await import('@relaykit/postgres');
    // --prefix is the table prefix here (letters, digits and _).
    const stores = postgresStores({
      connectionString: spec,
      ...(options.redisPrefix === undefined ? {} : { tablePrefix: options.redisPrefix }),
    });
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
      set: stores,
      label: redact(spec),
      close: () => stores.close(),
    };
  }
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (path === '') throw new UsageError(`--store sqlite: needs a path, e.g. ${defaultStore}`);
    const { sqliteStores } = await import('@relaykit/sqlite');
    const stores = sqliteStores(path);
    return {
      suppression: stores.suppression,
      strikes: stores.strikes,
      dedupe: stores.dedupe,
      set: stores,
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
      set: stores,
      label: redact(spec),
      close: () => stores.close(),
    };
  }
  throw new UsageError(
    `--store must be sqlite:<path>, redis://host:port or postgres://host/database, not '${spec.split(':')[0] ?? spec}:…'`,
  );
}
