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
  const messages = new Map<string, Map<string, RecipientState>>();
  const order = fifo<string>();
  return {
    async apply(event) {
      const messageId =
        event.messageId ?? `provider:${event.provider}:${event.providerMessageId ?? 'unknown'}`;
      let recipients = messages.get(messageId);
      if (!recipients) {
        messages.set(messageId, (recipients = new Map()));
        order.push(messageId);
        if (messages.size > max) messages.delete(order.shift() as string);
      }
      const key = event.recipient.toLowerCase();
      const next = applyEvent(
        recipients.get(key) ?? initialState(messageId, event.recipient),
        event,
      );
      recipients.set(key, next);
      return next;
    },
    async get(messageId) {
      return [...(messages.get(messageId)?.values() ?? [])];
    },
  };
}
