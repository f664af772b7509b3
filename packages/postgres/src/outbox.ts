import { randomBytes } from 'node:crypto';
import type { Outbox, QueuedMessage } from '@relaykit/core';
import type {
  OutboxConsumer,
  OutboxCounts,
  QueueDecision,
  SerializedMessage,
} from '@relaykit/core/adapter';
import { storeError, type Database, type Queryable } from './database.ts';

type Row = Record<string, unknown>;
type Stored = QueuedMessage & { status: keyof OutboxCounts; reason?: string };

function toQueued(r: Row): Stored {
  return {
    id: r['id'] as string,
    message: r['message'] as SerializedMessage,
    enqueuedAt: r['enqueued_at'] as Date,
    dueAt: r['due_at'] as Date,
    expiresAt: r['expires_at'] as Date,
    attempts: r['attempts'] as number,
    status: r['status'] as keyof OutboxCounts,
    ...(r['last_error'] === null
      ? {}
      : { lastError: r['last_error'] as { kind: string; message: string } }),
    ...(r['reason'] === null ? {} : { reason: r['reason'] as string }),
  };
}

export interface PostgresOutbox extends Outbox {
  readonly transactional: true;
  /**
   * Enqueues inside the caller's transaction: `client` is the pg client (or pool connection) on
   * which the application ran BEGIN. The messages are queued if and only if that transaction
   * commits. `relay.enqueue(message, { tx: client })` comes here.
   */
  enqueue(messages: readonly QueuedMessage[], options?: { tx?: unknown }): Promise<void>;
}

function isQueryable(value: unknown): value is Queryable {
  return typeof (value as Partial<Queryable> | null)?.query === 'function';
}

/**
 * The outbox in PostgreSQL. Workers claim due messages with `FOR UPDATE SKIP LOCKED` and lease
 * them, so any number of workers on any number of machines share one queue and never claim the
 * same message twice (https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE).
 * A worker that dies mid-send leaves its messages to be claimed again when the lease runs out;
 * the message's idempotency key makes that second send safe where the provider dedupes. Lease
 * times use the server's clock, so the workers' clocks need not agree.
 */
export function postgresOutbox(db: Database): PostgresOutbox {
  const table = db.table('outbox');
  const insert = `INSERT INTO ${table} (id, message, enqueued_at, due_at, expires_at, attempts, status)
    SELECT id, message, enqueued_at, due_at, expires_at, attempts, 'queued'
      FROM unnest($1::text[], $2::json[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::int[])
        AS m(id, message, enqueued_at, due_at, expires_at, attempts)
    ON CONFLICT (id) DO NOTHING`;
  const insertValues = (messages: readonly QueuedMessage[]) => [
    messages.map((m) => m.id),
    messages.map((m) => JSON.stringify(m.message)),
    messages.map((m) => m.enqueuedAt),
    messages.map((m) => m.dueAt),
    messages.map((m) => m.expiresAt),
    messages.map((m) => m.attempts),
  ];
  // Two index walks (due queued, lapsed leases), each skipping rows another worker holds locked.
  const claim = `WITH due AS (
      SELECT id FROM ${table} WHERE status = 'queued' AND due_at <= clock_timestamp()
       ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED
    ), lapsed AS (
      SELECT id FROM ${table} WHERE status = 'inFlight' AND lease_until <= clock_timestamp()
       LIMIT $1 FOR UPDATE SKIP LOCKED
    ), claimed AS (
      SELECT id FROM due UNION ALL SELECT id FROM lapsed LIMIT $1
    )
    UPDATE ${table} o SET status = 'inFlight', lease_owner = $2,
           lease_until = clock_timestamp() + $3::interval
      FROM claimed WHERE o.id = claimed.id
    RETURNING o.*`;

  return {
    transactional: true,
    async enqueue(messages, options = {}) {
      if (messages.length === 0) return;
      if (options.tx !== undefined) {
        if (!isQueryable(options.tx)) {
          throw new TypeError(
            '[relaykit] [postgres] enqueue: tx must be the pg client your transaction runs on (pool.connect(), then BEGIN)',
          );
        }
        await db.ready;
        try {
          await options.tx.query(insert, insertValues(messages));
        } catch (error) {
          throw storeError(db.describe, error);
        }
        return;
      }
      await db.query(insert, insertValues(messages), messages.length);
    },
    consume(handler, { concurrency, pollMs = 250, leaseMs = 300_000 }) {
      const owner = randomBytes(8).toString('hex');
      const lease = `${String(Math.max(1, Math.round(leaseMs)))} milliseconds`;
      // Decisions are stored in batches: whatever settled while the previous batch was being
      // written goes in the next single UPDATE, rather than one commit per message.
      interface Pending {
        id: string;
        kind: 'release' | 'retry' | 'done';
        status: string | null;
        dueAt: Date | null;
        lastError: string | null;
        reason: string | null;
        done: (error?: unknown) => void;
      }
      let pending: Pending[] = [];
      let writing = false;
      const flush = async (): Promise<void> => {
        if (writing || pending.length === 0) return;
        writing = true;
        const batch = pending;
        pending = [];
        try {
          await db.query(
            `UPDATE ${table} o SET
                status = CASE WHEN d.kind = 'done' THEN d.status ELSE 'queued' END,
                due_at = CASE WHEN d.kind = 'retry' THEN d.due_at ELSE o.due_at END,
                attempts = o.attempts + CASE WHEN d.kind = 'release' THEN 0 ELSE 1 END,
                last_error = CASE WHEN d.kind = 'release' THEN o.last_error ELSE d.last_error END,
                reason = CASE WHEN d.kind = 'done' THEN d.reason ELSE o.reason END,
                finished_at = CASE WHEN d.kind = 'done' THEN clock_timestamp() ELSE o.finished_at END,
                lease_until = NULL, lease_owner = NULL
              FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::text[])
                AS d(id, kind, status, due_at, last_error, reason)
             WHERE o.id = d.id AND o.lease_owner = $7`,
            [
              batch.map((p) => p.id),
              batch.map((p) => p.kind),
              batch.map((p) => p.status),
              batch.map((p) => p.dueAt),
              batch.map((p) => p.lastError),
              batch.map((p) => p.reason),
              owner,
            ],
            batch.length,
          );
          for (const p of batch) p.done();
        } catch (error) {
          for (const p of batch) p.done(error);
        } finally {
          writing = false;
          void flush();
        }
      };
      const settle = (row: Row, decision: QueueDecision | undefined) =>
        new Promise<void>((resolve, reject) => {
          pending.push({
            id: row['id'] as string,
            kind: decision === undefined ? 'release' : decision.type,
            status: decision?.type === 'done' ? decision.status : null,
            dueAt: decision?.type === 'retry' ? decision.at : null,
            lastError: decision?.error ? JSON.stringify(decision.error) : null,
            reason: decision?.type === 'done' ? (decision.reason ?? null) : null,
            done: (error) => (error === undefined ? resolve() : reject(error)),
          });
          void flush();
        });
      return asyncPollingConsumer({
        concurrency,
        pollMs,
        claim: async (limit) => (await db.query(claim, [limit, owner, lease])).rows,
        run: async (row) => {
          const { status: _status, reason: _reason, ...queued } = toQueued(row);
          let decision: QueueDecision | undefined;
          try {
            decision = await handler(queued);
          } catch {
            decision = undefined;
          }
          // A store that cannot take the decision now leaves the lease to run out: the message
          // is handed out again later, never lost.
          await settle(row, decision).catch(() => undefined);
        },
      });
    },
    async get(id) {
      const { rows } = await db.query(`SELECT * FROM ${table} WHERE id = $1`, [id]);
      return rows[0] ? toQueued(rows[0]) : undefined;
    },
    async counts() {
      const c: OutboxCounts = { queued: 0, inFlight: 0, sent: 0, expired: 0, dead: 0 };
      const { rows } = await db.query(
        `SELECT status, COUNT(*)::int AS n FROM ${table} GROUP BY status`,
      );
      for (const r of rows) c[r['status'] as keyof OutboxCounts] = r['n'] as number;
      return c;
    },
    async oldestQueued() {
      const { rows } = await db.query(
        `SELECT MIN(enqueued_at) AS t FROM ${table} WHERE status = 'queued'`,
      );
      const t = rows[0]?.['t'];
      return t instanceof Date ? t : undefined;
    },
    async deadLetters({ limit = 100 } = {}) {
      const { rows } = await db.query(
        `SELECT * FROM ${table} WHERE status IN ('dead', 'expired') ORDER BY finished_at DESC LIMIT $1`,
        [limit],
      );
      return rows.map((r) => ({ ...toQueued(r), status: r['status'] as 'dead' | 'expired' }));
    },
  };
}

/**
 * The consume loop for a store that answers asynchronously: claim what is due up to the free
 * slots, run each, claim again as slots free up (at once while claims come back full), and poll
 * otherwise. A failed claim (the database away) is retried at the next poll, never thrown.
 */
function asyncPollingConsumer(options: {
  concurrency: number;
  pollMs: number;
  claim(limit: number): Promise<Row[]>;
  run(row: Row): Promise<void>;
}): OutboxConsumer {
  let running = true;
  let inFlight = 0;
  let claiming = false;
  let again = false;
  const active = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;

  const pump = async (): Promise<void> => {
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      while (running && inFlight < options.concurrency) {
        again = false;
        const free = options.concurrency - inFlight;
        let rows: Row[];
        try {
          rows = await options.claim(free);
        } catch {
          return;
        }
        for (const row of rows) {
          inFlight += 1;
          const run: Promise<void> = options
            .run(row)
            .catch(() => undefined)
            .finally(() => {
              inFlight -= 1;
              active.delete(run);
              void pump();
            });
          active.add(run);
        }
        if (rows.length < free && !again) return;
      }
    } finally {
      claiming = false;
    }
  };
  const tick = () => {
    void pump().finally(() => {
      if (running) timer = setTimeout(tick, options.pollMs);
    });
  };
  tick();
  return {
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      while (active.size > 0 || claiming) {
        await Promise.all(active);
        if (claiming) await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}
