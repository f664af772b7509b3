import type { DeliveryEvent, Relay } from '@relaykit/core';

/**
 * Resolves with the first event matching `predicate`: one already in `seen` (events recorded
 * so far), or the next the relay emits. Rejects after `timeoutMs`, listing what did arrive.
 */
export function waitForEvent(
  relay: Pick<Relay, 'on'>,
  predicate: (e: DeliveryEvent) => boolean,
  options: { seen?: readonly DeliveryEvent[]; timeoutMs?: number } = {},
): Promise<DeliveryEvent> {
  return new Promise((resolve, reject) => {
    const found = options.seen?.find(predicate);
    if (found) return resolve(found);
    const arrived: DeliveryEvent[] = [];
    const timer = setTimeout(() => {
      off();
      const saw = [...(options.seen ?? []), ...arrived].map((e) => `${e.type}:${e.recipient}`);
      reject(new Error(`no matching event; saw ${saw.join(', ') || 'none'}`));
    }, options.timeoutMs ?? 5000);
    const off = relay.on('event', (e) => {
      arrived.push(e);
      if (!predicate(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}
