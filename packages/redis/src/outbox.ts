import type { Redis } from 'ioredis';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { RelayError, type Outbox, type QueuedMessage } from '@relaykit/core';
import {
  type OutboxConsumer,
  type OutboxCounts,
  type QueueDecision,
  type SerializedMessage,
} from '@relaykit/core/adapter';

export interface RedisOutboxOptions {
  /** The BullMQ queue name (its keys sit under the store prefix). @default 'outbox' */
  queueName?: string;
  /** Sent messages kept for `get` and `counts`; older ones are dropped as others complete. @default 7 days */
  keepSentMs?: number;
  /**
   * How long a worker's lock on a message lasts without renewal, capped by the consumer's leaseMs:
   * a worker that dies (SIGKILL, OOM, lost host) holding messages gives them up after this.
   * @default 30_000
   */
  lockMs?: number;
  /**
   * Before `enqueue` resolves, wait until this many replicas acknowledge the write (Redis WAIT).
   * Without it, an acknowledged enqueue is in the primary's memory only. @default 0
   */
  replicas?: number;
  /** Longest wait for the replicas. @default 1_000 */
  replicaTimeoutMs?: number;
}

/** What a job carries: the queued message with times as numbers, and the outcome once finished. */
interface JobData {
  id: string;
  message: SerializedMessage;
  enqueuedAt: number;
  dueAt: number;
  expiresAt: number;
  attempts: number;
  lastError?: { kind: string; message: string };
  status?: 'dead' | 'expired';
  reason?: string;
}

type Stored = QueuedMessage & { status: keyof OutboxCounts; reason?: string };

// BullMQ refuses ids that are integers or hold ':'; such ids are carried base64url-encoded.
export function jobIdOf(id: string): string {
  return /^\d+$/.test(id) || id.includes(':') || id.startsWith('~')
    ? `~${Buffer.from(id).toString('base64url')}`
    : id;
}

const toData = (m: QueuedMessage): JobData => ({
  id: m.id,
  message: m.message,
  enqueuedAt: m.enqueuedAt.getTime(),
  dueAt: m.dueAt.getTime(),
  expiresAt: m.expiresAt.getTime(),
  attempts: m.attempts,
  ...(m.lastError ? { lastError: m.lastError } : {}),
});

const toQueued = (d: JobData): QueuedMessage => ({
  id: d.id,
  message: d.message,
  enqueuedAt: new Date(d.enqueuedAt),
  dueAt: new Date(d.dueAt),
  expiresAt: new Date(d.expiresAt),
  attempts: d.attempts,
  ...(d.lastError ? { lastError: d.lastError } : {}),
});

const queuedStates = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'wait']);

/**
 * The outbox on BullMQ. A message is a job whose id is the message id (enqueueing twice is a
 * no-op), delayed until it is due. A worker runs the handler and applies its decision: a retry
 * moves the job back to delayed; sent completes it; dead and expired fail it, and failed jobs
 * are kept as the dead letters. A worker that dies mid-job stops renewing its lock, and BullMQ's
 * stalled-job check hands the job out again.
 */
export function redisOutbox(
  redis: Redis,
  prefix: string,
  options: RedisOutboxOptions = {},
): Outbox & { close(): Promise<void> } {
  const queueName = options.queueName ?? 'outbox';
  // BullMQ joins its prefix and the queue name with ':' itself.
  const bullPrefix = prefix.replace(/:$/, '');
  const expiredKey = `${prefix}${queueName}:expired`;
  // Job ids scored by enqueue time, for `oldestQueued`: added on enqueue, removed when the job
  // finishes; entries left by a crash or a repeated enqueue are dropped when a read meets them.
  const ageKey = `${prefix}${queueName}:age`;
  const keepSent = { age: Math.ceil((options.keepSentMs ?? 7 * 86_400_000) / 1000) };
  // Opened on first use: a process that only checks suppressions needs no queue connection.
  // BullMQ wants maxRetriesPerRequest null (it retries itself), unlike a store client.
  let opened: { queue: Queue; connection: Redis } | undefined;
  const open = () => {
    if (!opened) {
      const connection = redis.duplicate({ maxRetriesPerRequest: null });
      // While Redis is away every reconnect fails; the calls report it (bounded by the store),
      // and the store's outage event says it once, so these errors are not logged one by one.
      connection.on('error', () => undefined);
      const queue = new Queue(queueName, { connection, prefix: bullPrefix });
      queue.on('error', () => undefined);
      opened = { queue, connection };
    }
    return opened;
  };
  const workers = new Map<Worker, Redis>();

  const jobOf = async (id: string) =>
    (await open().queue.getJob(jobIdOf(id))) as
      Job<JobData, { attempts: number } | undefined> | undefined;

  async function describe(job: Job<JobData, { attempts: number } | undefined>): Promise<Stored> {
    const state = await job.getState();
    const queued = toQueued(job.data);
    if (state === 'completed')
      return {
        ...queued,
        attempts: job.returnvalue?.attempts ?? queued.attempts + 1,
        status: 'sent',
      };
    if (state === 'failed') {
      const reason = job.data.reason ?? job.failedReason;
      return { ...queued, status: job.data.status ?? 'dead', ...(reason ? { reason } : {}) };
    }
    return { ...queued, status: state === 'active' ? 'inFlight' : 'queued' };
  }

  return {
    async enqueue(messages) {
      for (let start = 0; start < messages.length; start += 1_000) {
        const now = Date.now();
        await open().queue.addBulk(
          messages.slice(start, start + 1_000).map((m) => ({
            name: 'send',
            data: toData(m),
            opts: {
              jobId: jobIdOf(m.id),
              delay: Math.max(0, m.dueAt.getTime() - now),
              attempts: 1,
              removeOnComplete: keepSent,
              removeOnFail: false,
            },
          })),
        );
        const ages = messages
          .slice(start, start + 1_000)
          .flatMap((m) => [m.enqueuedAt.getTime(), jobIdOf(m.id)]);
        await redis.zadd(ageKey, 'NX', ...ages);
      }
      if (options.replicas) {
        const acknowledged = Number(
          await open().connection.call('WAIT', options.replicas, options.replicaTimeoutMs ?? 1_000),
        );
        if (acknowledged < options.replicas) {
          throw new RelayError({
            kind: 'transient',
            provider: 'redis',
            message: `only ${acknowledged} of ${options.replicas} replicas acknowledged the enqueue within ${options.replicaTimeoutMs ?? 1_000} ms; enqueue again (it is idempotent) or check replication`,
          });
        }
      }
    },

    consume(handler, { concurrency, pollMs = 250, leaseMs = 300_000 }): OutboxConsumer {
      const lockDuration = Math.max(1_000, Math.min(leaseMs, options.lockMs ?? 30_000));
      const connection = redis.duplicate({ maxRetriesPerRequest: null });
      connection.on('error', () => undefined);

      const processor = async (
        job: Job<JobData>,
        token?: string,
      ): Promise<{ attempts: number }> => {
        const data = job.data;
        let lapse: NodeJS.Timeout | undefined;
        const run = handler(toQueued(data)).then(
          (decision): { decision: QueueDecision } => ({ decision }),
          (error: unknown) => ({ error }),
        );
        const first = await Promise.race([
          run,
          new Promise<'lapsed'>(
            (resolve) => (lapse = setTimeout(() => resolve('lapsed'), leaseMs)),
          ),
        ]);
        clearTimeout(lapse);
        if (first === 'lapsed') {
          // The lease ran out: another worker may take the message now. This slot stays taken
          // until the handler settles, and its late decision is dropped (the job is not ours).
          await job.moveToDelayed(Date.now(), token).catch(() => undefined);
          await run;
          throw new DelayedError();
        }
        if ('error' in first) {
          // A handler that throws leaves the message queued for the next poll.
          await job.moveToDelayed(Date.now() + pollMs, token);
          throw new DelayedError();
        }
        const decision = first.decision;
        const attempts = data.attempts + 1;
        if (decision.type === 'retry') {
          await job.updateData({
            ...data,
            attempts,
            dueAt: decision.at.getTime(),
            lastError: decision.error,
          });
          await job.moveToDelayed(decision.at.getTime(), token);
          throw new DelayedError();
        }
        // Off the age index before it leaves the queue: a crash in between leaves an entry that
        // the next oldestQueued read removes.
        if (decision.type === 'done') await redis.zrem(ageKey, job.id ?? jobIdOf(data.id));
        if (decision.status === 'sent') return { attempts };
        await job.updateData({
          ...data,
          attempts,
          status: decision.status,
          ...(decision.reason === undefined ? {} : { reason: decision.reason }),
          ...(decision.error ? { lastError: decision.error } : {}),
        });
        if (decision.status === 'expired')
          await redis.zadd(expiredKey, Date.now(), job.id ?? data.id);
        throw new UnrecoverableError(decision.reason ?? decision.status);
      };

      const worker = new Worker<JobData, { attempts: number }>(queueName, processor, {
        connection,
        prefix: bullPrefix,
        concurrency,
        lockDuration,
        stalledInterval: lockDuration,
        // A crash is not the message's fault: hand it out again however often workers die.
        maxStalledCount: 1_000,
        removeOnComplete: keepSent,
        // No removeOnFail: BullMQ then keeps every failed job, and those are the dead letters.
      });
      // Lock renewals for a lapsed job fail by design; errors must not go unhandled either way.
      worker.on('error', () => undefined);
      workers.set(worker, connection);
      return {
        async stop() {
          workers.delete(worker);
          await worker.close();
          connection.disconnect();
        },
      };
    },

    async get(id) {
      const job = await jobOf(id);
      return job ? describe(job) : undefined;
    },

    async counts() {
      const [c, expired] = await Promise.all([
        open().queue.getJobCounts(
          'waiting',
          'delayed',
          'prioritized',
          'waiting-children',
          'active',
          'completed',
          'failed',
        ),
        redis.zcard(expiredKey),
      ]);
      let queued = 0;
      for (const [state, n] of Object.entries(c)) if (queuedStates.has(state)) queued += n;
      const failed = c['failed'] ?? 0;
      const exp = Math.min(expired, failed);
      return {
        queued,
        inFlight: c['active'] ?? 0,
        sent: c['completed'] ?? 0,
        expired: exp,
        dead: failed - exp,
      };
    },

    async oldestQueued() {
      // The index may hold in-flight jobs (skipped) and finished or removed ones (dropped): look
      // at the oldest entries in pages until one is still waiting.
      for (let offset = 0; ;) {
        const page = await redis.zrange(ageKey, offset, offset + 19, 'WITHSCORES');
        if (page.length === 0) return undefined;
        for (let i = 0; i < page.length; i += 2) {
          const id = page[i] as string;
          const job = await open().queue.getJob(id);
          const state = job ? await job.getState() : 'unknown';
          if (queuedStates.has(state)) return new Date(Number(page[i + 1]));
          if (state === 'active') offset += 1;
          else await redis.zrem(ageKey, id);
        }
      }
    },

    async deadLetters({ limit = 100 } = {}) {
      const jobs = (await open().queue.getFailed(0, limit - 1)) as Array<Job<JobData>>;
      return jobs.map((job) => {
        const reason = job.data.reason ?? job.failedReason;
        return {
          ...toQueued(job.data),
          status: job.data.status ?? 'dead',
          ...(reason ? { reason } : {}),
        };
      });
    },

    async close() {
      // Force: a consumer nobody stopped may hold a handler that never settles.
      await Promise.all(
        [...workers].map(async ([worker, connection]) => {
          await worker.close(true);
          connection.disconnect();
        }),
      );
      workers.clear();
      if (opened) {
        await opened.queue.close();
        opened.connection.disconnect();
        opened = undefined;
      }
    },
  };
}
