import { json, text, type Reply } from '../http/reply.ts';
import type { Fault } from '../rules.ts';

export const mailgunError = (
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Reply => json(status, { message }, headers);

/** Mailgun answers a bad key with a plain-text "Forbidden"; other errors are `{"message"}` JSON. */
export function renderMailgunFault(fault: Fault, domain: string): Reply {
  const m = fault.message;
  switch (fault.kind) {
    case 'auth':
      return text(fault.status ?? 401, m ?? 'Forbidden');
    case 'validation':
    case 'inactive-recipient':
      return mailgunError(
        fault.status ?? 400,
        m ?? "'to' parameter is not a valid address. please check documentation",
      );
    case 'rate-limit': {
      const retry = String(fault.retryAfterSeconds ?? 1);
      return mailgunError(429, m ?? 'Too many requests', {
        'retry-after': retry,
        'x-ratelimit-limit': '100',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + Number(retry)),
      });
    }
    case 'quota':
      return mailgunError(
        420,
        m ??
          `Domain ${domain} is not allowed to send: recipient limit exceeded, try again after ${new Date(Date.now() + 3600_000).toUTCString()}`,
      );
    case 'account-paused':
    case 'account-suspended':
      return mailgunError(
        403,
        m ??
          `Domain ${domain} is not allowed to send: The domain is disabled. Please contact support.`,
      );
    case 'unavailable':
      return mailgunError(fault.status ?? 503, m ?? 'Service Unavailable');
    case 'server-error':
    case 'reset':
    case 'stall':
    case 'malformed':
      return mailgunError(fault.status ?? 500, m ?? 'Internal Server Error');
  }
}
