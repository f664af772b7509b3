import { bareAddress } from './address.ts';
import {
  plan,
  type NormalBehaviour,
  type OutcomeStep,
  type PlanTiming,
  type RecipientBook,
} from './behaviour.ts';
import type { EventBuilder } from './context.ts';
import type { Recorder } from './recorder.ts';
import type { SimMessage } from './types.ts';
import type { Dispatcher, OutgoingWebhook } from './webhooks/dispatcher.ts';

export interface DeliveryOptions {
  readonly timing: PlanTiming;
  /** Emit the provider's "accepted/sent" event first (SES Send, Mailgun accepted, Resend email.sent). */
  readonly sentEvents: boolean;
  /** Post each message's events in reverse order. */
  readonly outOfOrder: boolean;
}

export function createDelivery(
  options: DeliveryOptions,
  recipients: RecipientBook,
  recorder: Recorder,
  dispatcher: Dispatcher,
) {
  return function accept(
    message: SimMessage,
    build: EventBuilder,
    override?: (recipient: string) => NormalBehaviour | undefined,
  ): void {
    recorder.addMessage(message);
    const scheduled: { webhook: OutgoingWebhook; atMs: number }[] = [];
    for (const entry of [...message.to, ...message.cc, ...message.bcc]) {
      const recipient = bareAddress(entry);
      const steps: OutcomeStep[] = plan(
        override?.(recipient) ?? recipients.resolve(recipient),
        options.timing,
      );
      if (options.sentEvents)
        steps.unshift({ kind: 'sent', atMs: Math.max(0, options.timing.firstMs - 1) });
      for (const step of steps) {
        for (const webhook of build(message, recipient, step))
          scheduled.push({ webhook, atMs: step.atMs });
      }
    }
    if (options.outOfOrder && scheduled.length > 1) {
      // Swap the times end for end: the last outcome is posted first, the first last.
      const times = scheduled.map((s) => s.atMs).reverse();
      scheduled.forEach((s, i) => dispatcher.enqueue(s.webhook, times[i] ?? s.atMs));
      return;
    }
    for (const s of scheduled) dispatcher.enqueue(s.webhook, s.atMs);
  };
}
