import type { MessageStateStore, RecipientState } from '../stores.ts';
import { applyEvent, initialState } from '../state/machine.ts';

/** In-process message state: per message and recipient, folded from events. */
export function memoryStateStore(): MessageStateStore {
  const messages = new Map<string, Map<string, RecipientState>>();
  return {
    async apply(event) {
      const messageId = event.messageId ?? `provider:${event.provider}:${event.providerMessageId ?? 'unknown'}`;
      let recipients = messages.get(messageId);
      if (!recipients) messages.set(messageId, (recipients = new Map()));
      const key = event.recipient.toLowerCase();
      const next = applyEvent(recipients.get(key) ?? initialState(messageId, event.recipient), event);
      recipients.set(key, next);
      return next;
    },
    async get(messageId) {
      return [...(messages.get(messageId)?.values() ?? [])];
    },
  };
}
