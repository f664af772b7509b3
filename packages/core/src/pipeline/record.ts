import { addressKey } from '../address.ts';
import { toRelayError, type RelayError } from '../errors.ts';
import type { BounceInfo, DeliveryEvent } from '../events.ts';
import type { Message } from '../message.ts';
import type { SendReport } from '../relay.ts';
import { applyEvent, initialState } from '../state/machine.ts';
import type { LedgerEntry, RecipientState } from '../stores.ts';
import { rejectionBounce } from '../suppression/rejections.ts';
import type { Pipeline } from './context.ts';

/**
 * Applies each event once. The order is what makes a crash or a failed write harmless: the
 * event id is checked first, the effects (message state, suppression) are stored, and only
 * then is the id marked seen. A crash between the two leaves the id unmarked, so the provider's
 * redelivery applies the effects again (each is idempotent per event id); a throw propagates, so
 * the webhook answers 5xx and the provider redelivers. Counters that are not idempotent (the
 * health guard, the throttle) and subscribers see the event only once it is marked.
 */
export async function ingest(
  ctx: Pipeline,
  events: readonly DeliveryEvent[],
): Promise<DeliveryEvent[]> {
  const { dedupe, ledger, state, policy, emitter } = ctx;
  const fresh: DeliveryEvent[] = [];
  for (const raw of events) {
    const key = `event:${raw.provider}:${raw.id}`;
    if (dedupe.has && (await dedupe.has(key))) continue;
    let event = raw;
    if (event.messageId === undefined && event.providerMessageId !== undefined) {
      const entry = await ledger.byProviderMessageId(event.provider, event.providerMessageId);
      if (entry)
        event = {
          ...event,
          messageId: entry.messageId,
          ...(event.stream || !entry.stream ? {} : { stream: entry.stream }),
          ...(event.from ? {} : { from: entry.from }),
        };
    }
    await state.apply(event);
    const decisions = policy ? await policy.handle(event) : [];
    // Marked last; false means another delivery of the same event got here first.
    if (!(await dedupe.remember(key, ctx.eventTtlMs))) continue;
    for (const decision of decisions) {
      if (decision.type !== 'none' && emitter.listenerCount('suppression') > 0)
        emitter.emit('suppression', { ...decision, event });
    }
    // The default guard answers at once: no microtask hop unless it gives a promise.
    const guarded = ctx.guard?.handle?.(event);
    if (guarded !== undefined) await guarded;
    ctx.throttle?.report({ type: 'event', event });
    fresh.push(event);
    emitter.emit('event', event);
  }
  return fresh;
}

/**
 * A synchronous refusal is an event like any other: it reaches message state and the policy,
 * which suppresses the hard ones (an address the provider holds as inactive, 5.1.1 ...: see
 * Provider.rejectionBounce and suppression/rejections.ts). A failure to record it is reported, never thrown at the send.
 */
export async function recordRejection(
  ctx: Pipeline,
  rejection: {
    message: Message;
    provider: string;
    error: RelayError;
    recipients: readonly string[];
  },
): Promise<void> {
  const { message, provider, error, recipients } = rejection;
  try {
    // The provider's own reading of its refusal first (an address it holds as inactive).
    const bounce =
      ctx.providers.find((p) => p.name === provider)?.rejectionBounce?.(error) ??
      rejectionBounce(error);
    await ingest(
      ctx,
      recipients.map((recipient) => rejectedEvent({ message, provider, recipient, error, bounce })),
    );
  } catch (failure) {
    ctx.emitter.emit('error', {
      message: `could not record the rejection of ${recipients.join(', ')}`,
      error: failure,
    });
  }
}

/** The `send` event every kind of send ends with: its report, or the error that ended it. */
export function recordOutcome(
  ctx: Pipeline,
  messageId: string,
  outcome: { report: SendReport } | { error: unknown },
): void {
  ctx.emitter.emit(
    'send',
    'report' in outcome
      ? { messageId, report: outcome.report }
      : { messageId, error: toRelayError(outcome.error) },
  );
}

/**
 * Each recipient's state. The send itself ('accepted') is folded in here from the ledger rather
 * than written on every send: the fold does not depend on order, so the answer is the same.
 */
export async function status(ctx: Pipeline, messageId: string): Promise<RecipientState[]> {
  const [states, entries] = await Promise.all([
    ctx.state.get(messageId),
    ctx.ledger.byMessageId(messageId),
  ]);
  const byRecipient = new Map(states.map((s) => [s.recipient, s]));
  for (const entry of entries) {
    for (const recipient of entry.recipients) {
      const key = recipient.toLowerCase();
      const current = byRecipient.get(key) ?? initialState(messageId, key);
      byRecipient.set(key, applyEvent(current, acceptedEvent(entry, recipient)));
    }
  }
  return [...byRecipient.values()];
}

/** The send itself, as an event: what the ledger entry says happened to one recipient. */
function acceptedEvent(entry: LedgerEntry, recipient: string): DeliveryEvent {
  return {
    id: `${entry.messageId}:${entry.provider}:${recipient}:accepted`,
    type: 'accepted',
    provider: entry.provider,
    messageId: entry.messageId,
    providerMessageId: entry.providerMessageId,
    recipient,
    at: entry.sentAt,
    from: entry.from,
    ...(entry.stream === undefined ? {} : { stream: entry.stream }),
    tags: [],
    metadata: {},
    raw: null,
  };
}

function rejectedEvent(rejection: {
  message: Message;
  provider: string;
  recipient: string;
  error: RelayError;
  bounce: BounceInfo;
}): DeliveryEvent {
  const { message, provider, recipient, error, bounce } = rejection;
  return {
    id: `${message.id}:${provider}:${addressKey(recipient)}:rejected`,
    type: 'rejected',
    provider,
    messageId: message.id,
    recipient,
    at: new Date(),
    bounce,
    from: message.from.address,
    ...(message.stream === undefined ? {} : { stream: message.stream }),
    tags: message.tags,
    metadata: message.metadata,
    raw: error.toJSON(),
  };
}
