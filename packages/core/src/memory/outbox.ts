import { pollingConsumer } from '../polling.ts';
import { BoundedMap } from './bounded.ts';
import type { Outbox, OutboxCounts, QueuedMessage } from '../stores.ts';

type Status = keyof OutboxCounts;
interface Entry extends QueuedMessage {
  status: Status;
  reason?: string;
  /** Which claim holds it, and until when: a claim that outlives its lease loses the message. */
  lease?: { token: number; until: number };
}

export interface MemoryOutboxOptions {
  now?: () => number;
  /**
   * Finished messages (sent, dead, expired) kept for `get`, `counts` and `deadLetters`: at least
   * this many of the newest, about an eighth more at most; the oldest are forgotten past it
   * (memory/bounded.ts), so a long-running queue does not grow with every message it sent. A
   * forgotten id may be enqueued again. Queued and in-flight messages are never dropped.
   * @default 10000
   */
  maxFinished?: number;
}

/**
 * An in-process outbox: fine for tests and for one process that may lose its queue on exit. Use
 * @relaykit/sqlite or @relaykit/redis when an acknowledged enqueue must survive a crash.
 */
export function memoryOutbox(options: MemoryOutboxOptions = {}): Outbox {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const waiting = new Set<string>();
  // Ids of finished messages, oldest first; forgetting one drops its entry.
  const finished = new BoundedMap<string, true>({ maxEntries: options.maxFinished ?? 10_000 });
  finished.onEvict = (id) => {
    const e = entries.get(id);
    if (e !== undefined && e.status !== 'queued' && e.status !== 'inFlight') entries.delete(id);
  };

  const leased = new Set<string>();
  let tokens = 0;
  const due = (limit: number): Entry[] => {
    const t = now();
    const out: Entry[] = [];
    for (const id of waiting) {
      const e = entries.get(id);
      if (e && e.dueAt.getTime() <= t) out.push(e);
    }
    for (const id of leased) {
      const e = entries.get(id);
      if (e?.lease && e.lease.until <= t) out.push(e);
    }
    return out.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime()).slice(0, limit);
  };

  return {
    async enqueue(messages) {
      for (const m of messages) {
        if (entries.has(m.id)) continue;
        entries.set(m.id, { ...m, status: 'queued' });
        waiting.add(m.id);
      }
    },
    consume(handler, { concurrency, pollMs = 50, leaseMs = 300_000 }) {
      return pollingConsumer<{ entry: Entry; token: number }>(handler, {
        concurrency,
        pollMs,
        claim(limit) {
          return due(limit).map((e) => {
            waiting.delete(e.id);
            leased.add(e.id);
            e.status = 'inFlight';
            const token = ++tokens;
            e.lease = { token, until: now() + leaseMs };
            return { entry: e, token };
          });
        },
        view({ entry }) {
          const { status: _s, reason: _r, lease: _l, ...queued } = entry;
          return queued;
        },
        apply({ entry: e, token }, decision) {
          // A claim that outlived its lease lost the message to another consumer.
          if (e.lease?.token !== token) return;
          leased.delete(e.id);
          delete e.lease;
          e.attempts += 1;
          if (decision.type === 'retry') {
            e.status = 'queued';
            e.dueAt = decision.at;
            e.lastError = decision.error;
            waiting.add(e.id);
          } else {
            e.status = decision.status;
            if (decision.reason !== undefined) e.reason = decision.reason;
            if (decision.error) e.lastError = decision.error;
            finished.set(e.id, true);
          }
        },
        release({ entry: e, token }) {
          if (e.lease?.token !== token) return;
          leased.delete(e.id);
          delete e.lease;
          e.status = 'queued';
          waiting.add(e.id);
        },
      });
    },
    async get(id) {
      const e = entries.get(id);
      if (!e) return undefined;
      const { lease: _lease, ...rest } = e;
      return rest;
    },
    async counts() {
      const c: OutboxCounts = { queued: 0, inFlight: 0, sent: 0, expired: 0, dead: 0 };
      for (const e of entries.values()) c[e.status] += 1;
      return c;
    },
    async oldestQueued() {
      let oldest: Date | undefined;
      for (const id of waiting) {
        const e = entries.get(id);
        if (e && (oldest === undefined || e.enqueuedAt < oldest)) oldest = e.enqueuedAt;
      }
      return oldest;
    },
    async deadLetters({ limit = 100 } = {}) {
      const out: Array<QueuedMessage & { status: 'dead' | 'expired'; reason?: string }> = [];
      const ids = [...finished.entries()];
      for (let i = ids.length - 1; i >= 0 && out.length < limit; i -= 1) {
        const e = entries.get((ids[i] as [string, true])[0]);
        if (e && (e.status === 'dead' || e.status === 'expired')) {
          const { lease: _lease, ...rest } = e;
          out.push({ ...rest, status: e.status });
        }
      }
      return out;
    },
  };
}
