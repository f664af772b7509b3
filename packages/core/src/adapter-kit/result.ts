import { recipientsOf, type Message } from '../message.ts';
import type { SendResult } from '../provider.ts';

/** The result of a send every recipient of `message` was accepted for, under the provider's id. */
export function acceptedByAll(
  message: Message,
  providerMessageId: string,
  raw?: unknown,
): SendResult {
  const result: SendResult = { providerMessageId, accepted: recipientsOf(message), rejected: [] };
  if (raw !== undefined) result.raw = raw;
  return result;
}
