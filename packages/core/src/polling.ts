import type { OutboxConsumer, QueueDecision, QueuedMessage } from './stores.ts';

export interface PollingConsumerOptions<TClaim> {
  concurrency: number;
  pollMs: number;
  /** Takes up to `limit` due messages for this consumer (leasing them), synchronously. */
  claim(limit: number): TClaim[];
  /** The message as the handler sees it. */
  view(claimed: TClaim): QueuedMessage;
  /** Stores the handler's decision. */
  apply(claimed: TClaim, decision: QueueDecision): void;
  /** The handler threw: the message goes back to the queue. */
  release(claimed: TClaim): void;
}

/**
 * The consume loop of an outbox whose store answers synchronously (memory, SQLite): claim what is
 * due up to the concurrency, hand each to the handler, store its decision, claim again as slots
 * free up, and poll for messages that become due. `stop` waits for the ones in flight.
 */
export function pollingConsumer<TClaim>(
  handler: (message: QueuedMessage) => Promise<QueueDecision>,
  options: PollingConsumerOptions<TClaim>,
): OutboxConsumer {
  let running = true;
  let inFlight = 0;
  const active = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    if (!running || inFlight >= options.concurrency) return;
    for (const claimed of options.claim(options.concurrency - inFlight)) {
      inFlight += 1;
      const run = handler(options.view(claimed))
        .then(
          (decision) => options.apply(claimed, decision),
          () => options.release(claimed),
        )
        .finally(() => {
          inFlight -= 1;
          active.delete(run);
          pump();
        });
      active.add(run);
    }
  };
  const tick = () => {
    try {
      pump();
    } finally {
      if (running) timer = setTimeout(tick, options.pollMs);
    }
  };
  tick();
  return {
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await Promise.all(active);
    },
  };
}
