/**
 * Schema migrations, in order, for a schema and table prefix (both checked as plain identifiers
 * before they get here). Never edit one that has shipped: add the next.
 */
export function migrationsFor(schema: string, prefix: string): readonly string[] {
  const t = (name: string) => `"${schema}"."${prefix}${name}"`;
  const index = (name: string) => `"${prefix}${name}"`;
  return [
    `
    CREATE TABLE ${t('suppression')} (
      address text NOT NULL,
      stream text NOT NULL DEFAULT '',
      reason text NOT NULL,
      source jsonb,
      first_seen timestamptz NOT NULL,
      last_seen timestamptz NOT NULL,
      expires_at timestamptz,
      PRIMARY KEY (address, stream)
    );
    CREATE TABLE ${t('suppression_removal')} (
      seq bigserial PRIMARY KEY,
      address text NOT NULL,
      stream text NOT NULL,
      removed_at timestamptz NOT NULL,
      removed_by text NOT NULL,
      reason text NOT NULL,
      entry jsonb NOT NULL
    );
    CREATE INDEX ${index('suppression_removal_address')} ON ${t('suppression_removal')} (address);
    CREATE TABLE ${t('strike')} (
      address text NOT NULL,
      event_id text NOT NULL,
      at timestamptz NOT NULL,
      PRIMARY KEY (address, event_id)
    );
    CREATE INDEX ${index('strike_at')} ON ${t('strike')} (address, at);
    CREATE TABLE ${t('ledger')} (
      provider text NOT NULL,
      provider_message_id text NOT NULL,
      message_id text NOT NULL,
      recipients jsonb NOT NULL,
      sender text NOT NULL,
      stream text,
      sent_at timestamptz NOT NULL,
      PRIMARY KEY (provider, provider_message_id)
    );
    CREATE INDEX ${index('ledger_message')} ON ${t('ledger')} (message_id);
    CREATE TABLE ${t('recipient_state')} (
      message_id text NOT NULL,
      recipient text NOT NULL,
      state text,
      PRIMARY KEY (message_id, recipient)
    );
    CREATE TABLE ${t('dedupe')} (
      key text PRIMARY KEY,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX ${index('dedupe_expiry')} ON ${t('dedupe')} (expires_at);
    CREATE TABLE ${t('outbox')} (
      id text PRIMARY KEY,
      message json NOT NULL,
      enqueued_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      status text NOT NULL,
      lease_until timestamptz,
      lease_owner text,
      last_error jsonb,
      reason text,
      finished_at timestamptz
    );
    CREATE INDEX ${index('outbox_due')} ON ${t('outbox')} (due_at) WHERE status = 'queued';
    CREATE INDEX ${index('outbox_lease')} ON ${t('outbox')} (lease_until) WHERE status = 'inFlight';
    CREATE INDEX ${index('outbox_finished')} ON ${t('outbox')} (finished_at) WHERE status IN ('dead', 'expired');
    CREATE TABLE ${t('rate_bucket')} (
      key text PRIMARY KEY,
      tat double precision NOT NULL
    );
    -- GCRA over every bucket a send needs, all or nothing, in one call: the rows are locked in key
    -- order (no deadlock between two takes over the same keys), each read after its lock.
    CREATE FUNCTION ${t('rate_take')}(
      keys text[], costs double precision[], intervals double precision[], bursts double precision[],
      now_ms double precision, max_wait double precision,
      OUT granted boolean, OUT wait_ms double precision
    ) LANGUAGE plpgsql AS $fn$
    DECLARE
      afters double precision[] := '{}';
      after double precision;
      current double precision;
      wait double precision := 0;
      i integer;
    BEGIN
      INSERT INTO ${t('rate_bucket')} (key, tat)
        SELECT DISTINCT k, now_ms FROM unnest(keys) AS k ORDER BY k
        ON CONFLICT (key) DO NOTHING;
      PERFORM 1 FROM ${t('rate_bucket')} WHERE key = ANY(keys) ORDER BY key FOR UPDATE;
      FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
        SELECT tat INTO current FROM ${t('rate_bucket')} WHERE key = keys[i];
        after := greatest(current, now_ms) + costs[i] * intervals[i];
        afters := afters || after;
        wait := greatest(wait, after - greatest(1, bursts[i]) * intervals[i] - now_ms);
      END LOOP;
      IF wait > max_wait THEN
        granted := false;
        wait_ms := ceil(wait);
        RETURN;
      END IF;
      FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
        UPDATE ${t('rate_bucket')} SET tat = afters[i] WHERE key = keys[i];
      END LOOP;
      granted := true;
      wait_ms := greatest(0, ceil(wait));
    END
    $fn$;
    `,
    // 2: the provider template id a templated send used (LedgerEntry.template).
    `ALTER TABLE ${t('ledger')} ADD COLUMN template text;`,
    // 3: campaign progress (CampaignRecord as JSON text; phase and updated_at for your own queries).
    `
    CREATE TABLE ${t('campaign')} (
      id text PRIMARY KEY,
      phase text NOT NULL,
      record text NOT NULL,
      updated_at timestamptz NOT NULL
    );
    `,
  ];
}
