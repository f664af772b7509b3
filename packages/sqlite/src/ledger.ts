import type { Ledger, LedgerEntry } from '@relaykit/core';
import type { SqliteDatabase } from './database.ts';

interface Row {
  message_id: string;
  provider: string;
  provider_message_id: string;
  recipients: string;
  sender: string;
  stream: string | null;
  template: string | null;
  sent_at: number;
}

const toEntry = (r: Row): LedgerEntry => ({
  messageId: r.message_id,
  provider: r.provider,
  providerMessageId: r.provider_message_id,
  recipients: JSON.parse(r.recipients) as string[],
  from: r.sender,
  ...(r.stream === null ? {} : { stream: r.stream }),
  ...(r.template === null || r.template === undefined ? {} : { template: r.template }),
  sentAt: new Date(r.sent_at),
});

export function sqliteLedger(db: SqliteDatabase): Ledger {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO ledger (message_id, provider, provider_message_id, recipients, sender, stream, template, sent_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byMessage = db.prepare<[string], Row>(
    'SELECT * FROM ledger WHERE message_id = ? ORDER BY sent_at',
  );
  const byProvider = db.prepare<[string, string], Row>(
    'SELECT * FROM ledger WHERE provider = ? AND provider_message_id = ?',
  );
  return {
    async record(e) {
      insert.run(
        e.messageId,
        e.provider,
        e.providerMessageId,
        JSON.stringify(e.recipients),
        e.from,
        e.stream ?? null,
        e.template ?? null,
        e.sentAt.getTime(),
      );
    },
    async byMessageId(messageId) {
      return byMessage.all(messageId).map(toEntry);
    },
    async byProviderMessageId(provider, providerMessageId) {
      const row = byProvider.get(provider, providerMessageId);
      return row ? toEntry(row) : undefined;
    },
  };
}
