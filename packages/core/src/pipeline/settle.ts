import { addressKey } from '../address.ts';
import type { RelayError } from '../errors.ts';
import { recipientsOf, withoutRecipients } from '../message.ts';
import type { Provider, SendResult } from '../provider.ts';
import type { SendReport } from '../relay.ts';
import { templateRecord } from '../routing.ts';
import type { Draft, Pipeline } from './context.ts';
import { recordRejection } from './record.ts';

/**
 * What a provider answered for a draft: the result of an accepted send, or a RelayError of kind
 * 'recipient-rejected' naming the recipients it refused outright (the error names the provider).
 */
export type Settlement =
  { draft: Draft; provider: Provider; answer: SendResult } | { draft: Draft; answer: RelayError };

/**
 * Settles one provider answer into the draft. Accepted: the ledger, the throttle and the health
 * guard learn of it, and each recipient is reported sent or rejected. Refused recipients: they
 * are reported rejected (and their rejection recorded as an event) and leave the message, so the
 * rest can be sent again without them.
 */
export async function settle(ctx: Pipeline, settlement: Settlement): Promise<void> {
  if (!('provider' in settlement)) return refuse(ctx, settlement.draft, settlement.answer);
  const { draft, provider, answer } = settlement;
  const { message, route } = draft;
  ctx.throttle?.report({ type: 'sent', provider: provider.name, recipients: answer.accepted });
  ctx.guard?.recordSend?.(draft.fromDomain, provider.name, answer.accepted.length);
  await ctx.ledger.record({
    messageId: message.id,
    provider: provider.name,
    providerMessageId: answer.providerMessageId,
    recipients: answer.accepted,
    from: message.from.address,
    ...(route.name === undefined ? {} : { stream: route.name }),
    ...templateRecord(message, provider),
    sentAt: new Date(),
  });
  for (const address of answer.accepted) {
    draft.results.push({
      address,
      status: 'sent',
      provider: provider.name,
      providerMessageId: answer.providerMessageId,
    });
  }
  for (const { recipient, error } of answer.rejected) {
    draft.results.push({
      address: recipient,
      status: 'rejected',
      provider: provider.name,
      reason: error.message,
      error,
    });
    await recordRejection(ctx, {
      message,
      provider: provider.name,
      error,
      recipients: [recipient],
    });
  }
}

async function refuse(ctx: Pipeline, draft: Draft, error: RelayError): Promise<void> {
  const recipients = recipientsOf(draft.message);
  const named = new Set((error.recipients ?? recipients).map(addressKey));
  const gone = recipients.filter((a) => named.has(addressKey(a)));
  for (const address of gone) {
    draft.results.push({
      address,
      status: 'rejected',
      ...(error.provider ? { provider: error.provider } : {}),
      reason: error.message,
      error,
    });
  }
  await recordRejection(ctx, {
    message: draft.message,
    provider: error.provider ?? 'unknown',
    error,
    recipients: gone,
  });
  draft.message = withoutRecipients(draft.message, named);
}

/** The report of a settled draft: every recipient's result, and the provider that took it last. */
export function summarize(
  ctx: Pipeline,
  draft: Draft,
  outcome: { attempts: number; last?: { provider: string; providerMessageId: string } },
): SendReport {
  let sent = 0;
  for (const r of draft.results) if (r.status === 'sent') sent += 1;
  return {
    messageId: draft.message.id,
    status: sent === 0 ? 'none' : sent === draft.results.length ? 'sent' : 'partial',
    ...(draft.route.name === undefined ? {} : { stream: draft.route.name }),
    ...(outcome.last
      ? { provider: outcome.last.provider, providerMessageId: outcome.last.providerMessageId }
      : {}),
    ...templateRecord(draft.message, outcome.last && ctx.router.get(outcome.last.provider)),
    attempts: outcome.attempts,
    recipients: draft.results,
  };
}
