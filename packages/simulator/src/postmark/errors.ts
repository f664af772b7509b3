import { json, type Reply } from '../http/reply.ts';
import type { Fault } from '../rules.ts';

/** Postmark errors: the HTTP status picks the SDK's error class, `ErrorCode` the API reason. */
export const postmarkError = (
  status: number,
  errorCode: number,
  message: string,
  headers: Record<string, string> = {},
): Reply => json(status, { ErrorCode: errorCode, Message: message }, headers);

export const inactiveMessage = (addresses: readonly string[]): string =>
  `You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ${addresses.join(', ')}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.`;

export function renderPostmarkFault(fault: Fault, recipients: readonly string[] = []): Reply {
  const m = fault.message;
  switch (fault.kind) {
    case 'auth':
      return postmarkError(
        fault.status ?? 401,
        10,
        m ??
          'The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.',
      );
    case 'validation':
      return postmarkError(fault.status ?? 422, 300, m ?? 'Invalid email request.');
    case 'inactive-recipient':
      return postmarkError(422, 406, m ?? inactiveMessage(recipients));
    case 'rate-limit':
      // Postmark documents no rate-limit headers; Retry-After only when the rule sets one.
      return postmarkError(
        429,
        429,
        m ?? 'Rate limit exceeded. Please slow down your requests.',
        fault.retryAfterSeconds !== undefined
          ? { 'retry-after': String(fault.retryAfterSeconds) }
          : {},
      );
    case 'quota':
      return postmarkError(
        422,
        405,
        m ?? 'Not allowed to send: your account has run out of credits.',
      );
    case 'account-paused':
      return postmarkError(
        422,
        405,
        m ?? 'Not allowed to send: sending is paused for this server.',
      );
    case 'account-suspended':
      return postmarkError(422, 413, m ?? 'This account may not send emails.');
    case 'unavailable':
      return postmarkError(
        fault.status ?? 503,
        100,
        m ?? 'Postmark is undergoing maintenance. Please try again later.',
      );
    case 'server-error':
    case 'reset':
    case 'stall':
    case 'malformed':
      return json(fault.status ?? 500, {
        ErrorCode: 0,
        Message: m ?? 'An internal error occurred while processing the request.',
      });
  }
}
