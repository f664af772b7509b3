import { json, type Reply } from '../http/reply.ts';
import type { Fault } from '../rules.ts';

/** The SDK returns the error body verbatim as `error`, so it must carry statusCode, name and message. */
export const resendError = (
  statusCode: number,
  name: string,
  message: string,
  headers: Record<string, string> = {},
): Reply => json(statusCode, { statusCode, message, name }, headers);

export function renderResendFault(fault: Fault): Reply {
  const m = fault.message;
  switch (fault.kind) {
    case 'auth':
      return resendError(fault.status ?? 403, 'invalid_api_key', m ?? 'API key is invalid');
    case 'validation':
    case 'inactive-recipient':
      return resendError(
        fault.status ?? 422,
        'validation_error',
        m ??
          'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
      );
    case 'rate-limit': {
      const retry = String(fault.retryAfterSeconds ?? 1);
      return resendError(
        429,
        'rate_limit_exceeded',
        m ??
          'Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.',
        {
          'ratelimit-limit': '2',
          'ratelimit-policy': '2;w=1',
          'ratelimit-remaining': '0',
          'ratelimit-reset': retry,
          'retry-after': retry,
        },
      );
    }
    case 'quota':
      return resendError(
        429,
        'daily_quota_exceeded',
        m ?? 'You have reached your daily email sending quota.',
        { 'retry-after': String(fault.retryAfterSeconds ?? 3600) },
      );
    case 'account-paused':
    case 'account-suspended':
      return resendError(
        403,
        'validation_error',
        m ?? 'Your account is not allowed to send emails at the moment. Please contact support.',
      );
    case 'unavailable':
      return resendError(
        fault.status ?? 503,
        'application_error',
        m ?? 'Service unavailable. Please try again later.',
      );
    case 'server-error':
    case 'reset':
    case 'stall':
    case 'malformed':
      return resendError(
        fault.status ?? 500,
        'internal_server_error',
        m ?? 'An unexpected error occurred.',
      );
  }
}
