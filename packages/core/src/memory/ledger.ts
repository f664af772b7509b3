import type { Ledger, LedgerEntry } from '../stores.ts';

export interface MemoryLedgerOptions {
  /**
   * Messages kept: at least this many of the newest, and about an eighth more at most. Older ones are
   * forgotten, so a long-running process does not grow without bound. Events for a forgotten
   * message still arrive, without their relaykit id unless the adapter carried it. Use
   * @relaykit/sqlite or @relaykit/redis to keep everything.
   * @default 100000
   */
  maxMessages?: number;
}

/** One generation: by relaykit id (one entry, or several when a message was sent in parts). */
interface Generation {
  byMessage: Map<string, LedgerEntry | LedgerEntry[]>;
  /** Per provider, then by its message id: no composite key to build and hash on every send. */
  byProvider: Map<string, Map<string, LedgerEntry>>;
}

const generation = (): Generation => ({ byMessage: new Map(), byProvider: new Map() });

/**
 * An in-process ledger: relaykit message id ↔ provider message id, both ways.
 *
 * Bounded by generations rather than by evicting one message per send: entries go into the
 * current generation; when it holds an eighth of `maxMessages` it is sealed, a new one begins,
 * and the oldest sealed one is dropped whole once the others hold `maxMessages`. A send costs
 * two Map insertions into a map small enough to stay in cache, and no deletion (evicting one at a
 * time cost a send a tenth of its time); a lookup asks up to ten maps, newest first.
 */
export function memoryLedger(options: MemoryLedgerOptions = {}): Ledger {
  const max = Math.max(1, options.maxMessages ?? 100_000);
  const size = Math.ceil(max / 8);
  let current = generation();
  // Sealed generations, oldest first.
  const sealed: Generation[] = [];

  return {
    async record(entry) {
      const known = current.byMessage.get(entry.messageId);
      if (known === undefined) {
        if (current.byMessage.size >= size) {
          sealed.push(current);
          // Drop the oldest once the others still hold maxMessages.
          if ((sealed.length - 1) * size >= max) sealed.shift();
          current = generation();
        }
        current.byMessage.set(entry.messageId, entry);
      } else if (Array.isArray(known)) known.push(entry);
      else current.byMessage.set(entry.messageId, [known, entry]);
      let ids = current.byProvider.get(entry.provider);
      if (ids === undefined) current.byProvider.set(entry.provider, (ids = new Map()));
      ids.set(entry.providerMessageId, entry);
    },
    async byMessageId(messageId) {
      const out: LedgerEntry[] = [];
      for (const g of [...sealed, current]) {
        const found = g.byMessage.get(messageId);
        if (Array.isArray(found)) out.push(...found);
        else if (found !== undefined) out.push(found);
      }
      return out;
    },
    async byProviderMessageId(provider, providerMessageId) {
      const found = current.byProvider.get(provider)?.get(providerMessageId);
      if (found !== undefined) return found;
      for (let i = sealed.length - 1; i >= 0; i -= 1) {
        const older = sealed[i]?.byProvider.get(provider)?.get(providerMessageId);
        if (older !== undefined) return older;
      }
      return undefined;
    },
  };
}
