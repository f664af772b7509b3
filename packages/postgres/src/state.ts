import { type MessageStateStore } from '@relaykit/core';
import {
  applyEvent,
  initialState,
  reviveRecipientState,
  serializeRecipientState,
} from '@relaykit/core/adapter';
import type { Database } from './database.ts';

/**
 * Message state per recipient, folded by core's state machine. Each event is applied in one
 * transaction holding the recipient's row lock, so two processes applying events for the same
 * recipient at once both count.
 */
export function postgresStateStore(db: Database): MessageStateStore {
  const table = db.table('recipient_state');
  return {
    async apply(event) {
      const messageId =
        event.messageId ?? `provider:${event.provider}:${event.providerMessageId ?? 'unknown'}`;
      const recipient = event.recipient.toLowerCase();
      return db.transaction(async (client) => {
        // The row exists (maybe empty) before it is locked: a first event has a row to wait on.
        await client.query(
          `INSERT INTO ${table} (message_id, recipient) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
          [messageId, recipient],
        );
        const { rows } = await client.query(
          `SELECT state FROM ${table} WHERE message_id = $1 AND recipient = $2 FOR UPDATE`,
          [messageId, recipient],
        );
        const stored = rows[0]?.['state'] as string | null | undefined;
        const next = applyEvent(
          stored ? reviveRecipientState(stored) : initialState(messageId, event.recipient),
          event,
        );
        await client.query(
          `UPDATE ${table} SET state = $3 WHERE message_id = $1 AND recipient = $2`,
          [messageId, recipient, serializeRecipientState(next)],
        );
        return next;
      });
    },
    async get(messageId) {
      const { rows } = await db.query(
        `SELECT state FROM ${table} WHERE message_id = $1 AND state IS NOT NULL ORDER BY recipient`,
        [messageId],
      );
      return rows.map((r) => reviveRecipientState(r['state'] as string));
    },
  };
}
