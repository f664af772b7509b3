import type { Ledger, LedgerEntry } from '@relaykit/core';
import type { Database } from './database.ts';

type Row = Record<string, unknown>;

const toEntry = (r: Row): LedgerEntry => ({
  messageId: r['message_id'] as string,
  provider: r['provider'] as string,
  providerMessageId: r['provider_message_id'] as string,
  recipients: r['recipients'] as string[],
  from: r['sender'] as string,
  ...(r['stream'] === null ? {} : { stream: r['stream'] as string }),
  ...(r['template'] === null || r['template'] === undefined
    ? {}
    : { template: r['template'] as string }),
  sentAt: r['sent_at'] as Date,
});

export function postgresLedger(db: Database): Ledger {
  const table = db.table('ledger');
  return {
    async record(e) {
      await db.query(
        `INSERT INTO ${table} (provider, provider_message_id, message_id, recipients, sender, stream, sent_at, template)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (provider, provider_message_id) DO UPDATE SET
           message_id = excluded.message_id, recipients = excluded.recipients, sender = excluded.sender,
           stream = excluded.stream, sent_at = excluded.sent_at, template = excluded.template`,
        [
          e.provider,
          e.providerMessageId,
          e.messageId,
          JSON.stringify(e.recipients),
          e.from,
          e.stream ?? null,
          e.sentAt,
          e.template ?? null,
        ],
      );
    },
    async byMessageId(messageId) {
      const { rows } = await db.query(
        `SELECT * FROM ${table} WHERE message_id = $1 ORDER BY sent_at`,
        [messageId],
      );
      return rows.map(toEntry);
    },
    async byProviderMessageId(provider, providerMessageId) {
      const { rows } = await db.query(
        `SELECT * FROM ${table} WHERE provider = $1 AND provider_message_id = $2`,
        [provider, providerMessageId],
      );
      return rows[0] ? toEntry(rows[0]) : undefined;
    },
  };
}
