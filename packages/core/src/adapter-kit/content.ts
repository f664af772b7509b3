import { RelayError } from '../errors.ts';
import { assertHeaderSafe } from '../header-safety.ts';
import type { Attachment, Message } from '../message.ts';
import { listUnsubscribeHeaders, recipientCount } from '../message.ts';

/** An attachment's bytes as base64, for the JSON APIs that take it so (Postmark, Resend). */
export function base64Content(attachment: Pick<Attachment, 'content'>): string {
  const bytes = attachment.content;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The message's own headers with its List-Unsubscribe headers (RFC 8058) added. */
export function outgoingHeaders(message: Message): Record<string, string> {
  return { ...message.headers, ...listUnsubscribeHeaders(message) };
}

/** What a provider can carry in one message, for `assertCarriable`. */
export interface CarryLimits {
  /** The relay's name for the provider (RelayError.provider). */
  provider: string;
  /** How messages name it: `SES`, `Postmark`. */
  label: string;
  /** Recipients per message, To, Cc and Bcc together. */
  maxRecipients: number;
  /** Where it cannot schedule: what to do with a future sendAt instead (else it may schedule). */
  unscheduled?: string;
}

/**
 * Refuses, before any request, a message the provider cannot carry as it is: a header-bound value
 * with a control character, a future sendAt it would send at once, more recipients than it takes.
 */
export function assertCarriable(message: Message, limits: CarryLimits): void {
  assertHeaderSafe(message, limits.provider);
  if (
    limits.unscheduled !== undefined &&
    message.sendAt !== undefined &&
    message.sendAt.getTime() > Date.now()
  ) {
    throw new RelayError({
      kind: 'invalid',
      provider: limits.provider,
      field: 'sendAt',
      message: `sendAt: ${limits.label} cannot schedule a message; ${limits.unscheduled}`,
    });
  }
  const count = recipientCount(message);
  if (count > limits.maxRecipients) {
    throw new RelayError({
      kind: 'invalid',
      provider: limits.provider,
      field: 'to',
      message: `to: ${limits.label} takes at most ${limits.maxRecipients} recipients (To, Cc and Bcc together) per message, this one has ${count}; split it`,
    });
  }
}
