import type { DeliveryEvent, Relay } from '@relaykit/core';

export interface CanaryStats {
  size: number;
  delivered: number;
  bounced: number;
  complained: number;
  /** Refused at send time (rejected or already suppressed): they count as bounces. */
  refused: number;
  /** No outcome yet when observation ended. */
  pending: number;
  bounceRate: number;
  complaintRate: number;
}

/**
 * Collects the delivery outcome of each canary message from the relay's events, by message id.
 * Call `watch` before sending, so no early event is missed.
 */
export function watchCanary(relay: Relay) {
  const outcome = new Map<string, 'delivered' | 'bounced'>();
  const complained = new Set<string>();
  const early: DeliveryEvent[] = [];
  let ids: Set<string> | undefined;
  let changed: () => void = () => undefined;

  const record = (e: DeliveryEvent) => {
    if (e.messageId === undefined || !ids?.has(e.messageId)) return;
    if (e.type === 'delivered' && !outcome.has(e.messageId)) outcome.set(e.messageId, 'delivered');
    // A bounce after a delivery report (an asynchronous bounce) still counts as a bounce.
    if (e.type === 'bounced' || e.type === 'rejected') outcome.set(e.messageId, 'bounced');
    if (e.type === 'complained') complained.add(e.messageId);
    changed();
  };
  const off = relay.on('event', (e) => (ids ? record(e) : early.push(e)));

  return {
    /**
     * Waits until every canary message has an outcome, or `timeoutMs`; then `settleMs` more for
     * complaints, which arrive after delivery (minutes to days in real life).
     */
    async observe(
      messageIds: readonly string[],
      refused: number,
      options: { timeoutMs: number; settleMs: number },
    ): Promise<CanaryStats> {
      ids = new Set(messageIds);
      for (const e of early.splice(0)) record(e);
      const deadline = Date.now() + options.timeoutMs;
      while (outcome.size < ids.size && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          changed = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      await new Promise((resolve) => setTimeout(resolve, options.settleMs));
      off();
      const size = ids.size + refused;
      const bounced = [...outcome.values()].filter((o) => o === 'bounced').length;
      return {
        size,
        delivered: [...outcome.values()].filter((o) => o === 'delivered').length,
        bounced,
        complained: complained.size,
        refused,
        pending: ids.size - outcome.size,
        bounceRate: size === 0 ? 0 : (bounced + refused) / size,
        complaintRate: size === 0 ? 0 : complained.size / size,
      };
    },
  };
}
