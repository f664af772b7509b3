import { json, type Reply } from '../http/reply.ts';
import type { Fault } from '../rules.ts';

/**
 * restJson1 errors: the status, `x-amzn-ErrorType` naming the exception (the SDK builds the modeled
 * exception class from it) and a `{"message"}` body.
 */
export function sesError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return json(status, { message }, { 'x-amzn-errortype': type, ...headers });
}

export function renderSesFault(fault: Fault): Reply {
  const m = fault.message;
  switch (fault.kind) {
    case 'auth':
      return sesError(
        fault.status ?? 403,
        'UnrecognizedClientException',
        m ?? 'The security token included in the request is invalid.',
      );
    case 'validation':
      return sesError(
        fault.status ?? 400,
        'BadRequestException',
        m ?? 'Invalid request: the message could not be validated.',
      );
    case 'inactive-recipient':
      return sesError(
        400,
        'MessageRejected',
        m ?? 'Email address is on the suppression list for your account.',
      );
    case 'rate-limit':
      // SES documents no Retry-After; it is sent only when the rule asks for one.
      return sesError(
        429,
        'TooManyRequestsException',
        m ?? 'Maximum sending rate exceeded.',
        fault.retryAfterSeconds !== undefined
          ? { 'retry-after': String(fault.retryAfterSeconds) }
          : {},
      );
    case 'quota':
      return sesError(400, 'LimitExceededException', m ?? 'Daily message quota exceeded.');
    case 'account-paused':
      return sesError(
        400,
        'SendingPausedException',
        m ??
          'Sending is paused for this account. For more information, please check the AWS console.',
      );
    case 'account-suspended':
      return sesError(
        400,
        'AccountSuspendedException',
        m ?? 'Your account has been permanently restricted from sending email.',
      );
    case 'unavailable': {
      const status = fault.status ?? 503;
      // Only a 503 is SES's own ServiceUnavailable; a 502 or 504 comes from a gateway before SES.
      return status === 503
        ? sesError(503, 'ServiceUnavailable', m ?? 'Service Unavailable')
        : json(status, { message: m ?? 'Bad Gateway' });
    }
    case 'server-error':
    case 'reset':
    case 'stall':
    case 'malformed': {
      const status = fault.status ?? 500;
      if (status === 500)
        return sesError(
          500,
          'InternalServiceErrorException',
          m ?? 'An internal error occurred. Try again later.',
        );
      if (status === 503) return sesError(503, 'ServiceUnavailable', m ?? 'Service Unavailable');
      // Any other status names no exception: the SDK knows only the status.
      return json(status, { message: m ?? `HTTP ${status}` });
    }
  }
}
