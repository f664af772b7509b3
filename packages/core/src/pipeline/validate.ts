import { normalizeMessage, type Message, type MessageInput } from '../message.ts';
import type { Pipeline } from './context.ts';

/**
 * The first stage of every send: the input checked against the message schema and normalised,
 * with the size ceiling of the smallest provider. Invalid input is refused here (kind 'invalid').
 */
export function validate(ctx: Pipeline, input: MessageInput): Promise<Message> {
  return normalizeMessage(input, { maxMessageBytes: ctx.maxBytes });
}
