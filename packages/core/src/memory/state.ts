import type { MessageStateStore, RecipientState } from '../stores.ts';
import { applyEvent, initialState } from '../state/machine.ts';
import { fifo } from './fifo.ts';

export interface MemoryStateOptions {
  /** Messages kept; the oldest are forgotten past it (bounded memory). @default 100000 */
  maxMessages?: number;
}

/** In-process message state: per message and recipient, folded from events. */
export function memoryStateStore(options: MemoryStateOptions = {}): MessageStateStore {
  const max = options.maxMessages ?? 100_000;
  // Most messages have one or a few recipients: a short array per message costs far less than a
  // Map per message, and this runs on every send.
  const messages = new Map<string, RecipientState[]>();
  const order = fifo<string>();
  return {
    async apply(event) {
      const messageId =
        event.messageId ?? `provider:${event.provider}:${event.providerMessageId ?? 'unknown'}`;
      let recipients = messages.get(messageId);
      if (!recipients) {
        messages.set(messageId, (recipients = []));
        order.push(messageId);
        if (messages.size > max) messages.delete(order.shift() as string);
      }
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
