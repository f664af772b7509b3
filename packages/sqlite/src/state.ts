import { type MessageStateStore } from '@relaykit/core';
import {
  applyEvent,
  initialState,
  reviveRecipientState,
  serializeRecipientState,
} from '@relaykit/core/adapter';
import type { SqliteDatabase } from './database.ts';

const revive = reviveRecipientState;

/** Message state per recipient, folded by core's state machine inside one transaction per event. */
export function sqliteStateStore(db: SqliteDatabase): MessageStateStore {
  const get = db.prepare<[string, string], { state: string }>(
    'SELECT state FROM recipient_state WHERE message_id = ? AND recipient = ?',
  );
  const put = db.prepare(
    'INSERT OR REPLACE INTO recipient_state (message_id, recipient, state) VALUES (?, ?, ?)',
  );
  const all = db.prepare<[string], { state: string }>(
    'SELECT state FROM recipient_state WHERE message_id = ? ORDER BY recipient',
  );
  const apply = db.transaction(
    (messageId: string, recipient: string, event: Parameters<MessageStateStore['apply']>[0]) => {
      const row = get.get(messageId, recipient);
      const next = applyEvent(
        row ? revive(row.state) : initialState(messageId, event.recipient),
        event,
      );
      put.run(messageId, recipient, serializeRecipientState(next));
      return next;
    },
  );
  return {
    async apply(event) {
      const messageId =
        event.messageId ?? `provider:${event.provider}:${event.providerMessageId ?? 'unknown'}`;
      return apply(messageId, event.recipient.toLowerCase(), event);
    },
    async get(messageId) {
      return all.all(messageId).map((r) => revive(r.state));
    },
  };
}
