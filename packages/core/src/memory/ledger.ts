import type { Ledger, LedgerEntry } from '../stores.ts';

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
  // Map keeps insertion order: the first key is the oldest message.
  const byMessage = new Map<string, LedgerEntry[]>();
  const byProvider = new Map<string, LedgerEntry>();
  const key = (provider: string, id: string) => `${provider}\u0000${id}`;
  return {
    async record(entry) {
      const list = byMessage.get(entry.messageId);
      if (list) list.push(entry);
      else byMessage.set(entry.messageId, [entry]);
      byProvider.set(key(entry.provider, entry.providerMessageId), entry);
      if (byMessage.size > max) {
        const [oldest, entries] = byMessage.entries().next().value as [string, LedgerEntry[]];
        byMessage.delete(oldest);
        for (const e of entries) byProvider.delete(key(e.provider, e.providerMessageId));
      }
    },
    async byMessageId(messageId) {
      return [...(byMessage.get(messageId) ?? [])];
    },
    async byProviderMessageId(provider, providerMessageId) {
      return byProvider.get(key(provider, providerMessageId));
    },
  };
}
