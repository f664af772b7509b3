import type { Ledger, LedgerEntry } from '../stores.ts';
import { fifo } from './fifo.ts';

export interface MemoryLedgerOptions {
  /**
   * Messages kept; the oldest are forgotten past it, so a long-running process does not grow
   * without bound. Events for a forgotten message still arrive, without their relaykit id unless
   * the adapter carried it. Use @relaykit/sqlite or @relaykit/redis to keep everything.
   * @default 100000
   */
  maxMessages?: number;
}

/** An in-process ledger: relaykit message id ↔ provider message id, both ways. */
export function memoryLedger(options: MemoryLedgerOptions = {}): Ledger {
  const max = options.maxMessages ?? 100_000;
  const byMessage = new Map<string, LedgerEntry[]>();
  // Per provider, then by its message id: no composite key to build and hash on every send.
  const byProvider = new Map<string, Map<string, LedgerEntry>>();
  const order = fifo<string>();
  return {
    async record(entry) {
      const list = byMessage.get(entry.messageId);
      if (list) list.push(entry);
      else {
        byMessage.set(entry.messageId, [entry]);
        order.push(entry.messageId);
      }
      let ids = byProvider.get(entry.provider);
      if (!ids) byProvider.set(entry.provider, (ids = new Map()));
      ids.set(entry.providerMessageId, entry);
      if (byMessage.size > max) {
        const oldest = order.shift() as string;
        for (const e of byMessage.get(oldest) ?? []) {
          byProvider.get(e.provider)?.delete(e.providerMessageId);
        }
        byMessage.delete(oldest);
      }
    },
    async byMessageId(messageId) {
      return [...(byMessage.get(messageId) ?? [])];
    },
    async byProviderMessageId(provider, providerMessageId) {
      return byProvider.get(provider)?.get(providerMessageId);
    },
  };
}
