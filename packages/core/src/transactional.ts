import { RelayError } from './errors.ts';
import type { Outbox, QueuedMessage } from './stores.ts';

/**
 * Stores queued messages, in the caller's transaction when `tx` is given. An outbox that cannot
 * join one refuses rather than store the messages outside it: the caller counted on them being
 * rolled back with its own writes.
 */
export async function enqueueQueued(
  outbox: Outbox,
  queued: readonly QueuedMessage[],
  tx: unknown,
): Promise<void> {
  if (tx === undefined) return outbox.enqueue(queued);
  if (outbox.transactional !== true) {
    throw new RelayError({
      kind: 'config',
      message:
        'enqueue: { tx } needs an outbox that joins your transaction (postgresStores().outbox from @relaykit/postgres); this outbox cannot, so nothing was enqueued',
    });
  }
  return outbox.enqueue(queued, { tx });
}
