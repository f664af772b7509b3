import type { Attachment, Message } from '../message.ts';
import { listUnsubscribeHeaders } from '../message.ts';

/** An attachment's bytes as base64, for the JSON APIs that take it so (Postmark, Resend). */
export function base64Content(attachment: Pick<Attachment, 'content'>): string {
  const bytes = attachment.content;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The message's own headers with its List-Unsubscribe headers (RFC 8058) added. */
export function outgoingHeaders(message: Message): Record<string, string> {
  return { ...message.headers, ...listUnsubscribeHeaders(message) };
}
