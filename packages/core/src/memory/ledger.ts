import type { Ledger, LedgerEntry } from '../stores.ts';

/** An in-process ledger: relaykit message id ↔ provider message id, both ways. */
export function memoryLedger(): Ledger {
  const byMessage = new Map<string, LedgerEntry[]>();
  const byProvider = new Map<string, LedgerEntry>();
  return {
    async record(entry) {
      const list = byMessage.get(entry.messageId);
      if (list) list.push(entry);
      else byMessage.set(entry.messageId, [entry]);
      byProvider.set(`${entry.provider}\u0000${entry.providerMessageId}`, entry);
    },
    async byMessageId(messageId) {
      return [...(byMessage.get(messageId) ?? [])];
    },
    async byProviderMessageId(provider, providerMessageId) {
      return byProvider.get(`${provider}\u0000${providerMessageId}`);
    },
  };
}
