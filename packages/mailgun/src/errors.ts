import {
  classifyHttpStatus,
  RelayError,
  toTransportError,
  transportError,
  transportFailureOfCode,
  type RelayErrorKind,
} from '@relaykit/core';

/**
 * What mailgun.js throws (`APIError`): `status` (400 when no response came back), `message` (the
 * body's `error`, else the HTTP status text, else the axios error code such as ECONNREFUSED),
 * `details` (the body's `message`, the text body, or the axios error's message). No headers.
 */
export interface MailgunErrorLike {
  status?: number;
  message?: string;
  details?: string;
  type?: string;
}

export function isMailgunApiError(error: unknown): error is MailgunErrorLike & Error {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { type?: unknown }).type === 'MailgunAPIError'
  );
}

/** axios codes that mean a response did come back; every other code means none did. */
const responseCodes = new Set(['ERR_BAD_REQUEST', 'ERR_BAD_RESPONSE']);

/**
 * The axios/Node error code when the SDK's "400" is really a network failure (mailgun.js reports
 * those as status 400 with the code as message), else undefined. A genuine 400 carries Mailgun's
 * status text (or ERR_BAD_REQUEST when the status line had none).
 */
export function networkCode(error: MailgunErrorLike): string | undefined {
  const code = typeof error.message === 'string' ? error.message.trim() : '';
  if (error.status !== undefined && error.status !== 400) return undefined;
  if (responseCodes.has(code)) return undefined;
  if (code === 'ERR_INVALID_URL' || transportFailureOfCode(code) !== undefined) return code;
  // axios's own codes (ERR_NETWORK, ERR_CANCELED, ...) and other errno names: no response either.
  return /^(?:E[A-Z0-9]+|ERR_[A-Z0-9_]+)$/u.test(code) ? code : undefined;
}

/** "... try again after Tue, 01 Jan 2030 10:00:00 GMT" (Mailgun's 420 recipient limit) → ms from now. */
function tryAgainAfter(text: string, now: number): number | undefined {
  const match = /try again after (.+?)\s*\.?\s*$/iu.exec(text);
  if (!match?.[1]) return undefined;
  const at = Date.parse(match[1].replace(/\bUTC$/u, 'GMT'));
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The parameter a 400 names ("'to' parameter is not a valid address", "from parameter is missing"). */
function parameterOf(text: string): string | undefined {
  const named = /'?([a-z][\w:-]*)'? parameter/iu.exec(text);
  if (named?.[1]) return named[1];
  if (/need at least one of 'text'/iu.test(text)) return 'text';
  return undefined;
}

interface Mapped {
  kind: RelayErrorKind;
  message: string;
  field?: string;
  retryAfterMs?: number;
}

function mapStatus(status: number, detail: string, now: number): Mapped {
  const said = detail === '' ? '' : `: ${detail}`;
  switch (status) {
    case 400: {
      if (/^Mailgun Magnificent API$/u.test(detail) || detail === 'Incorrect url') {
        return {
          kind: 'config',
          message:
            'baseUrl answers as the Mailgun root, not the API: give the origin only (e.g. https://api.mailgun.net), without /v3',
        };
      }
      const field = parameterOf(detail);
      if (field !== undefined)
        return {
          kind: 'message-rejected',
          field,
          message: `Mailgun refused the ${field} parameter (400)${said}; fix the message`,
        };
      return { kind: 'message-rejected', message: `Mailgun refused the message (400)${said}` };
    }
    case 401:
      return {
        kind: 'auth',
        message: `Mailgun refused the API key (401)${said}; check apiKey, and region: a domain in the EU needs region: 'eu'`,
      };
    case 403:
      return {
        kind: 'auth',
        message: `Mailgun refused to send for this key or domain (403)${said}; check the domain's state, its authorized recipients (sandbox) and the key's permissions`,
      };
    case 404:
      return {
        kind: 'config',
        message: `Mailgun does not know this domain (404)${said}; check domain, and region: a domain in the EU needs region: 'eu'`,
      };
    case 413:
      return {
        kind: 'message-rejected',
        message: `the message is too large for Mailgun (413, at most 25 MB)${said}; link large files instead`,
      };
    case 420: {
      const retryAfterMs = tryAgainAfter(detail, now);
      return {
        kind: 'rate-limited',
        message: `Mailgun's sending limit for this domain is reached (420)${said}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    case 429:
      // mailgun.js hides response headers, so Retry-After cannot be read: the relay backs off.
      return { kind: 'rate-limited', message: `Mailgun rate limit (429)${said}` };
    default: {
      const kind = classifyHttpStatus(status);
      return { kind, message: `Mailgun answered ${status}${said}` };
    }
  }
}

/**
 * Maps what mailgun.js throws into a RelayError. Network failures (status 400 with an error code
 * as message, no response) never pass for a real 400: their kind comes from core's transport table
 * (refused, DNS or TLS: 'provider-unavailable', nothing reached Mailgun; reset or timeout:
 * 'transient', the message may have been queued, and Mailgun has no idempotency). 401/403 → auth, 400 → message-rejected (with
 * the field when Mailgun names a parameter), 404 → config, 420/429 → rate-limited, 503 →
 * provider-unavailable, other 5xx → transient. The cause is always kept.
 */
export function mapMailgunError(
  error: unknown,
  provider = 'mailgun',
  now = Date.now(),
  template?: string,
): RelayError {
  if (error instanceof RelayError) return error;
  if (!isMailgunApiError(error)) {
    const transport = toTransportError(error, { provider, service: 'Mailgun' });
    if (transport) return transport;
    const message = error instanceof Error ? error.message : String(error);
    return new RelayError({
      kind: 'transient',
      provider,
      message: `unexpected failure calling Mailgun: ${message}`,
      cause: error,
    });
  }
  const detail = typeof error.details === 'string' ? error.details.trim().slice(0, 500) : '';
  const code = networkCode(error);
  if (code !== undefined) {
    if (code === 'ERR_INVALID_URL') {
      return new RelayError({
        kind: 'config',
        provider,
        providerCode: code,
        message: `the Mailgun baseUrl is not a valid URL (${detail || code}); check baseUrl`,
        cause: error,
      });
    }
    const failure = transportFailureOfCode(code);
    if (failure) {
      return transportError(failure, {
        provider,
        service: 'Mailgun',
        code,
        detail: detail ? `${code}: ${detail}` : code,
        cause: error,
      });
    }
    return new RelayError({
      kind: 'transient',
      provider,
      providerCode: code,
      message: `no answer from Mailgun (${code}${detail ? `: ${detail}` : ''}); it may have taken the message. relaykit retries`,
      cause: error,
    });
  }
  const status = typeof error.status === 'number' ? error.status : 400;
  // A templated send Mailgun refused for its template (no template by that name, variables that
  // are not a JSON object): a 400 whose text names the template or its variables
  // (https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-templates).
  if (template !== undefined && status === 400 && /template|variables/iu.test(detail)) {
    return new RelayError({
      kind: 'template',
      provider,
      status,
      template,
      message: `Mailgun refused template ${template} (400): ${detail}; ${/not found/iu.test(detail) ? 'create it on this domain, or fix template.ids.mailgun' : 'fix template.data'}`,
      cause: error,
    });
  }
  const mapped = mapStatus(status, detail, now);
  const statusText =
    typeof error.message === 'string' && error.message.trim() !== ''
      ? error.message.trim()
      : undefined;
  return new RelayError({
    kind: mapped.kind,
    provider,
    status,
    message: mapped.message,
    ...(statusText === undefined ? {} : { providerCode: statusText }),
    ...(mapped.field === undefined ? {} : { field: mapped.field }),
    ...(mapped.retryAfterMs === undefined ? {} : { retryAfterMs: mapped.retryAfterMs }),
    cause: error,
  });
}
