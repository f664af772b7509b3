import { AddressError } from '../address.ts';
import { RelayError } from '../errors.ts';
import type { EventPolicy } from '../ports.ts';
import type {
  SuppressionEntry,
  SuppressionPage,
  SuppressionReason,
  SuppressionRemoval,
  SuppressionStore,
} from '../stores.ts';
import { suppressionAddress } from './address.ts';
import { exportSuppressionsCsv, importSuppressionsCsv } from './csv.ts';

/** `relay.suppressions`: the suppression list for people and tools (CLI, admin pages). */
export interface RelaySuppressions {
  /** The entries that hold each address back (for `stream`, when given). */
  check(
    addresses: readonly string[],
    options?: { stream?: string },
  ): Promise<Map<string, SuppressionEntry>>;
  /** Suppresses addresses or `@domain`s by hand (reason 'manual' unless given). */
  add(
    addresses: string | readonly string[],
    options?: {
      stream?: string;
      reason?: SuppressionReason;
      expiresAt?: Date;
      by?: string;
      detail?: string;
    },
  ): Promise<void>;
  /** Removes one entry, leaving an audit record with `by` and `reason`, and forgets its strikes. */
  remove(
    address: string,
    options: { stream?: string; by: string; reason: string },
  ): Promise<boolean>;
  list(options?: { cursor?: string; limit?: number; stream?: string }): Promise<SuppressionPage>;
  removals(options?: { address?: string; limit?: number }): Promise<SuppressionRemoval[]>;
  exportCsv(options?: { stream?: string }): Promise<string>;
  importCsv(csv: string): Promise<{ imported: number }>;
}

export function createRelaySuppressions(
  store: SuppressionStore | undefined,
  policy: EventPolicy | undefined,
  now: () => number = Date.now,
): RelaySuppressions {
  const need = (): SuppressionStore => {
    if (store) return store;
    throw new RelayError({
      kind: 'config',
      message:
        'suppression is turned off for this relay (suppression: false); pass suppression: { store } to createRelay to keep a list',
    });
  };
  const key = (raw: string) => {
    try {
      return suppressionAddress(raw);
    } catch (error) {
      throw new RelayError({
        kind: 'invalid',
        field: 'address',
        message: `${error instanceof AddressError ? error.message : String(error)}; give local@domain or @domain`,
      });
    }
  };
  return {
    check: async (addresses, options = {}) =>
      need().check(
        addresses.map((a) => a.toLowerCase()),
        options,
      ),
    async add(addresses, options = {}) {
      const at = new Date(now());
      const entries = (typeof addresses === 'string' ? [addresses] : addresses).map(
        (raw): SuppressionEntry => ({
          address: key(raw),
          ...(options.stream === undefined ? {} : { stream: options.stream }),
          reason: options.reason ?? 'manual',
          source: {
            type: 'manual',
            ...(options.by === undefined && options.detail === undefined
              ? {}
              : { detail: [options.by, options.detail].filter(Boolean).join(': ') }),
          },
          firstSeen: at,
          lastSeen: at,
          ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
        }),
      );
      await need().add(entries);
    },
    async remove(address, options) {
      const removed = await need().remove(key(address), { ...options, now: new Date(now()) });
      if (removed) await policy?.forget?.(key(address));
      return removed;
    },
    list: async (options) => need().list(options),
    removals: async (options) => need().removals(options),
    exportCsv: async (options) => exportSuppressionsCsv(need(), options),
    importCsv: async (csv) => importSuppressionsCsv(need(), csv, { now: new Date(now()) }),
  };
}
