import type { SendOutcomeEvent } from '../relay.ts';
import type { DeliveryEvent } from '../events.ts';
import type { QueueEvent } from '../queue.ts';
import type { RecipientState } from '../stores.ts';
import type { CampaignCounts } from './types.ts';
import { outcomeOf, type CanaryOutcome } from './canary.ts';

export type SendStatus = 'sent' | 'suppressed' | 'rejected' | 'failed';

/**
 * Counts a campaign's messages from the relay's events: how each send was answered (once per
 * message) and what came of it (delivered, bounced, complained, deferred; each once per message).
 * Keeps the canary's outcomes too, for the verdict.
 */
export function createTracker(messageIds: ReadonlyMap<string, { index: number; domain: string }>) {
  const status = new Map<string, SendStatus>();
  const seen = {
    delivered: new Set<string>(),
    bounced: new Set<string>(),
    complained: new Set<string>(),
    deferred: new Set<string>(),
  };
  const canary = new Map<string, CanaryOutcome>();

  const mark = (id: string, kind: CanaryOutcome['kinds'][number], provider?: string) => {
    const o = canary.get(id);
    if (!o) return;
    if (!o.kinds.includes(kind)) o.kinds.push(kind);
    if (provider && !o.provider) o.provider = provider;
  };

  return {
    canary,
    /** Makes these messages the canary (with what a previous run learnt about them). */
    watchCanary(ids: readonly string[], known: Record<string, CanaryOutcome> = {}) {
      for (const id of ids) {
        const meta = messageIds.get(id);
        canary.set(id, known[id] ?? { domain: meta?.domain ?? '', kinds: [] });
      }
    },
    has: (id: string) => messageIds.has(id),
    statusOf: (id: string) => status.get(id),
    /** Records how a send was answered; returns the status when it is new. */
    settle(id: string, value: SendStatus, provider?: string): SendStatus | undefined {
      if (!messageIds.has(id) || status.has(id)) return undefined;
      status.set(id, value);
      if (value === 'sent') mark(id, 'attempted', provider);
      if (value === 'rejected') mark(id, 'rejected', provider);
      if (value === 'suppressed') mark(id, 'suppressed');
      return value;
    },
    /** A 'send' event: the answer, or undefined while the outbox will try again. */
    onSend(e: SendOutcomeEvent): SendStatus | undefined {
      if (!messageIds.has(e.messageId)) return undefined;
      // A permanent failure (a template the account lacks, a refused message, bad credentials):
      // the outbox gives the message up. Transient ones are retried and say nothing yet.
      if (e.error && !e.error.retryable) {
        const o = canary.get(e.messageId);
        if (o && !o.error) o.error = { kind: e.error.kind, message: e.error.message };
        mark(e.messageId, 'failed', e.error.provider);
        return this.settle(e.messageId, 'failed');
      }
      if (e.report) {
        const r = e.report.recipients[0];
        const value: SendStatus =
          e.report.status === 'sent' || e.report.status === 'partial'
            ? 'sent'
            : r?.status === 'suppressed'
              ? 'suppressed'
              : 'rejected';
        return this.settle(e.messageId, value, e.report.provider ?? r?.provider);
      }
      return undefined;
    },
    onQueue(e: QueueEvent): SendStatus | undefined {
      if (e.status === 'dead' || e.status === 'expired') return this.settle(e.id, 'failed');
      return undefined;
    },
    /** A delivery event; true when it changed a count. */
    onEvent(e: Pick<DeliveryEvent, 'type' | 'messageId' | 'provider' | 'bounce'>): boolean {
      const id = e.messageId;
      if (id === undefined || !messageIds.has(id)) return false;
      const kind = outcomeOf(e);
      if (kind === undefined) return false;
      mark(id, kind, e.provider);
      const set =
        kind === 'delivered'
          ? seen.delivered
          : kind === 'deferred'
            ? seen.deferred
            : kind === 'complaint'
              ? seen.complained
              : seen.bounced;
      if (set.has(id)) return false;
      set.add(id);
      return true;
    },
    /** Folds a recipient's stored state: the events that came while this process was down. */
    foldState(state: RecipientState): void {
      for (const h of state.history)
        this.onEvent({ type: h.type, messageId: state.messageId, provider: state.provider ?? '' });
    },
    counts(total: number, released: number): CampaignCounts {
      const c = { sent: 0, suppressed: 0, rejected: 0, failed: 0 };
      for (const s of status.values()) c[s] += 1;
      return {
        total,
        released,
        ...c,
        pending: Math.max(0, released - status.size),
        delivered: seen.delivered.size,
        bounced: seen.bounced.size,
        complained: seen.complained.size,
        deferred: seen.deferred.size,
      };
    },
    settled: () => status.size,
  };
}

export type Tracker = ReturnType<typeof createTracker>;
