import { addressDomain, addressKey } from '../address.ts';
import { RelayError } from '../errors.ts';
import { recipientsOf, withoutRecipients, type Message } from '../message.ts';
import type { RecipientResult } from '../relay.ts';
import type { Draft, Pipeline } from './context.ts';

/**
 * Stream policy and suppression: the message's stream (its From domain checked against the
 * stream's own), and what is left to send once suppressed recipients are dropped (mode 'drop')
 * or the send refused (mode 'refuse').
 */
export async function suppress(ctx: Pipeline, original: Message): Promise<Draft> {
  const fromDomain = addressDomain(original.from);
  const route = ctx.streams.resolve(original.stream, fromDomain);
  let message: Message = route.name === undefined ? original : { ...original, stream: route.name };
  // A sendAt that has come (a held message now due) is no schedule any more: send it now.
  if (message.sendAt !== undefined && message.sendAt.getTime() <= ctx.now()) {
    const { sendAt: _due, ...rest } = message;
    message = rest;
  }
  const results: RecipientResult[] = [];
  const suppression = ctx.suppression;
  if (suppression) {
    const hits = await suppression.store.check(
      recipientsOf(message).map(addressKey),
      route.name === undefined ? {} : { stream: route.name },
    );
    if (hits.size > 0) {
      const reasons = [...hits.entries()].map(([a, e]) => `${a} (${e.reason})`).join(', ');
      if (suppression.mode === 'refuse') {
        throw new RelayError({
          kind: 'suppressed',
          recipients: [...hits.keys()],
          message: `refused: suppressed recipients ${reasons}; remove them from the message, or from the suppression list if a person confirms they may be mailed`,
        });
      }
      for (const [address, entry] of hits)
        results.push({ address, status: 'suppressed', reason: entry.reason });
      message = withoutRecipients(message, hits.keys());
    }
  }
  return { message, route, fromDomain, results };
}
