import type { Ledger, LedgerEntry } from '../stores.ts';

export interface MemoryLedgerOptions {
  /**
   * Messages kept: at least this many of the newest, at most twice as many. Older ones are
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
 * current generation; when it holds `maxMessages` messages it becomes the previous one and the
 * one before is dropped whole. A send then costs two Map insertions and no deletion (evicting
 * one at a time cost a send a tenth of its time), and lookups ask two maps.
 */
export function memoryLedger(options: MemoryLedgerOptions = {}): Ledger {
  const max = Math.max(1, options.maxMessages ?? 100_000);
  let current = generation();
  let previous = generation();

  const entriesOf = (g: Generation, messageId: string): LedgerEntry[] => {
    const found = g.byMessage.get(messageId);
    return found === undefined ? [] : Array.isArray(found) ? found : [found];
  };

  return {
    async record(entry) {
      const known = current.byMessage.get(entry.messageId);
      if (known === undefined) {
        if (current.byMessage.size >= max) {
          previous = current;
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
      return [...entriesOf(previous, messageId), ...entriesOf(current, messageId)];
    },
    async byProviderMessageId(provider, providerMessageId) {
      return (
        current.byProvider.get(provider)?.get(providerMessageId) ??
        previous.byProvider.get(provider)?.get(providerMessageId)
      );
    },
  };
}
