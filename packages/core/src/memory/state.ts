import type { MessageStateStore, RecipientState } from '../stores.ts';
import { applyEvent, initialState } from '../state/machine.ts';
import { BoundedMap } from './bounded.ts';

export interface MemoryStateOptions {
  /**
   * Messages kept: at least this many of the newest, about an eighth more at most; the oldest are
   * forgotten past it (memory/bounded.ts). @default 50000
   */
  maxMessages?: number;
  /** Messages first seen longer ago than this are forgotten too. @default no age bound */
  maxAgeMs?: number;
  now?: () => number;
}

/** In-process message state: per message and recipient, folded from events. */
export function memoryStateStore(options: MemoryStateOptions = {}): MessageStateStore {
  // Most messages have one or a few recipients: a short array per message costs far less than a
  // Map per message, and this runs on every send.
  const messages = new BoundedMap<string, RecipientState[]>({
    maxEntries: options.maxMessages ?? 50_000,
    ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    async apply(event) {
      const messageId =
        event.messageId ?? `provider:${event.provider}:${event.providerMessageId ?? 'unknown'}`;
      let recipients = messages.get(messageId);
      if (!recipients) messages.add(messageId, (recipients = []));
      const key = event.recipient.toLowerCase();
      const at = recipients.findIndex((r) => r.recipient === key);
      const next = applyEvent(
        at < 0 ? initialState(messageId, key) : (recipients[at] as RecipientState),
        event,
      );
      if (at < 0) recipients.push(next);
      else recipients[at] = next;
      return next;
    },
    async get(messageId) {
      return [...(messages.get(messageId) ?? [])];
    },
  };
}
