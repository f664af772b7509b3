/** Schema migrations, in order. Never edit one that has shipped: add the next. */
export const migrations: readonly string[] = [
  `
  CREATE TABLE suppression (
    address TEXT NOT NULL,
    stream TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    source TEXT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (address, stream)
  ) WITHOUT ROWID;
  CREATE TABLE suppression_removal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL,
    stream TEXT NOT NULL,
    removed_at INTEGER NOT NULL,
    removed_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    entry TEXT NOT NULL
  );
  CREATE INDEX suppression_removal_address ON suppression_removal (address);
  CREATE TABLE strike (
    address TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (address, event_id)
  ) WITHOUT ROWID;
  CREATE TABLE ledger (
    message_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    provider_message_id TEXT NOT NULL,
    recipients TEXT NOT NULL,
    sender TEXT NOT NULL,
    stream TEXT,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (provider, provider_message_id)
  ) WITHOUT ROWID;
  CREATE INDEX ledger_message ON ledger (message_id);
  CREATE TABLE recipient_state (
    message_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (message_id, recipient)
  ) WITHOUT ROWID;
  CREATE TABLE dedupe (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX dedupe_expiry ON dedupe (expires_at);
  CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    message TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    lease_until INTEGER,
    lease_owner TEXT,
    last_error TEXT,
    reason TEXT,
    finished_at INTEGER
  );
  CREATE INDEX outbox_due ON outbox (status, due_at);
  CREATE INDEX outbox_finished ON outbox (finished_at) WHERE finished_at IS NOT NULL;
  `,
  `
  CREATE TABLE rate_bucket (
    key TEXT PRIMARY KEY,
    tat REAL NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE ledger ADD COLUMN template TEXT;
  `,
  // 4: campaign progress (CampaignRecord as JSON; phase and updated_at for your own queries).
  `
  CREATE TABLE campaign (
    id TEXT PRIMARY KEY,
    phase TEXT NOT NULL,
    record TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];
