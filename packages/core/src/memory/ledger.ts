import type { Ledger, LedgerEntry } from '../stores.ts';
import { BoundedMap } from './bounded.ts';

export interface MemoryLedgerOptions {
  /**
   * Messages kept: at least this many of the newest, and about an eighth more at most (see
   * memory/bounded.ts). Older ones are forgotten, so a long-running process does not grow without
   * bound. Events for a forgotten message still arrive, without their relaykit id unless the
   * adapter carried it. Use @relaykit/sqlite or @relaykit/redis to keep everything.
   * @default 20000
   */
  maxMessages?: number;
  /** Messages recorded longer ago than this are forgotten too. @default no age bound */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * A ledger entry as held: its recipient alone when there is one (most sends), and its time as a
 * number (a Date costs six times the heap). Tens of thousands are held at once.
 */
class Held {
  constructor(
    readonly messageId: string,
    readonly provider: string,
    readonly providerMessageId: string,
    readonly recipients: string | readonly string[],
    readonly from: string,
    readonly stream: string | undefined,
    readonly template: string | undefined,
    readonly sentAt: number,
  ) {}
}

function hold(entry: LedgerEntry): Held {
  const { recipients } = entry;
  return new Held(
    entry.messageId,
    entry.provider,
    entry.providerMessageId,
    recipients.length === 1 ? (recipients[0] as string) : [...recipients],
    entry.from,
    entry.stream,
    entry.template,
    entry.sentAt instanceof Date ? entry.sentAt.getTime() : Number.NaN,
  );
}

function unhold(held: Held): LedgerEntry {
  const entry: LedgerEntry = {
    messageId: held.messageId,
    provider: held.provider,
    providerMessageId: held.providerMessageId,
    recipients: typeof held.recipients === 'string' ? [held.recipients] : [...held.recipients],
    from: held.from,
    sentAt: new Date(held.sentAt),
  };
  if (held.stream !== undefined) entry.stream = held.stream;
  if (held.template !== undefined) entry.template = held.template;
  return entry;
}

/**
 * An in-process ledger: relaykit message id ↔ provider message id, both ways, bounded by
 * BoundedMap (memory/bounded.ts): a send costs two Map insertions and no deletion. Entries are
 * held compactly and rebuilt as LedgerEntry objects on each read.
 */
export function memoryLedger(options: MemoryLedgerOptions = {}): Ledger {
  const bounds = {
    maxEntries: Math.max(1, options.maxMessages ?? 20_000),
    ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  // By relaykit id: one entry, or several when a message was sent in parts.
  const byMessage = new BoundedMap<string, Held | Held[]>(bounds);
  // Per provider, then by its message id: no composite key to build and hash on every send.
  const byProvider = new Map<string, BoundedMap<string, Held>>();

  return {
    async record(entry) {
      const held = hold(entry);
      // One lookup for the usual case, a message id not seen before.
      const known = byMessage.setIfAbsent(entry.messageId, held);
      if (Array.isArray(known)) known.push(held);
      else if (known !== undefined) byMessage.set(entry.messageId, [known, held]);
      let ids = byProvider.get(entry.provider);
      if (ids === undefined) byProvider.set(entry.provider, (ids = new BoundedMap(bounds)));
      // Provider message ids are new on every send.
      ids.add(entry.providerMessageId, held);
    },
    async byMessageId(messageId) {
      const found = byMessage.get(messageId);
      return found === undefined ? [] : Array.isArray(found) ? found.map(unhold) : [unhold(found)];
    },
    async byProviderMessageId(provider, providerMessageId) {
      const found = byProvider.get(provider)?.get(providerMessageId);
      return found === undefined ? undefined : unhold(found);
    },
  };
}
