import type { Ledger, LedgerEntry } from '../stores.ts';
import { BoundedMap } from './bounded.ts';

export interface MemoryLedgerOptions {
  /**
   * Messages kept: at least this many of the newest, and about an eighth more at most (see
   * memory/bounded.ts). Older ones are forgotten, so a long-running process does not grow without
   * bound. Events for a forgotten message still arrive, without their relaykit id unless the
   * adapter carried it. Use @relaykit/sqlite or @relaykit/redis to keep everything.
   * @default 50000
   */
  maxMessages?: number;
  /** Messages recorded longer ago than this are forgotten too. @default no age bound */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * An in-process ledger: relaykit message id ↔ provider message id, both ways, bounded by
 * BoundedMap (memory/bounded.ts): a send costs two Map insertions and no deletion.
 */
export function memoryLedger(options: MemoryLedgerOptions = {}): Ledger {
  const bounds = {
    maxEntries: Math.max(1, options.maxMessages ?? 50_000),
    ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  // By relaykit id: one entry, or several when a message was sent in parts.
  const byMessage = new BoundedMap<string, LedgerEntry | LedgerEntry[]>(bounds);
  // Per provider, then by its message id: no composite key to build and hash on every send.
  const byProvider = new Map<string, BoundedMap<string, LedgerEntry>>();

  return {
    async record(entry) {
      const known = byMessage.get(entry.messageId);
      if (known === undefined) byMessage.add(entry.messageId, entry);
      else if (Array.isArray(known)) known.push(entry);
      else byMessage.set(entry.messageId, [known, entry]);
      let ids = byProvider.get(entry.provider);
      if (ids === undefined) byProvider.set(entry.provider, (ids = new BoundedMap(bounds)));
      // Provider message ids are new on every send.
      ids.add(entry.providerMessageId, entry);
    },
    async byMessageId(messageId) {
      const found = byMessage.get(messageId);
      return found === undefined ? [] : Array.isArray(found) ? [...found] : [found];
    },
    async byProviderMessageId(provider, providerMessageId) {
      return byProvider.get(provider)?.get(providerMessageId);
    },
  };
}
