import {
  addressKey,
  classifyHttpStatus,
  parseRateLimitReset,
  RelayError,
  toTransportError,
  transportError,
  type RelayErrorKind,
} from '@relaykit/core';

/** What the transport saw of a failed call, when relaykit built the client (see provider.ts). */
export interface TransportInfo {
  /** Response headers of the failed call (e.g. Retry-After on a 429). */
  headers?: { get(name: string): string | null };
  /** What fetch threw (network failure, timeout, abort), which the SDK reduces to its message. */
  error?: unknown;
}

export interface MapContext {
  provider: string;
  /** The message's recipients keyed case-insensitively, to report refused ones in the message's spelling. */
  recipients?: ReadonlyMap<string, string>;
  transport?: TransportInfo;
  now?: number;
  /** The template id of a templated send, named by a template error. */
  template?: string;
}

interface CodeRule {
  kind: RelayErrorKind;
  /** What to do, appended to Postmark's own text. */
  advice: string;
  /** Overrides the kind's default: a 422 account state is final on this provider, though another may carry the message. */
  retryable?: boolean;
}

/**
 * Postmark API ErrorCodes (https://postmarkapp.com/developer/api/overview#error-codes). HTTP 422
 * answers carry one; so does each element of
 * a batch answer (which comes back 200).
 */
const codeRules: Record<number, CodeRule> = {
  10: {
    kind: 'auth',
    advice: 'check serverToken: it must be the server API token (not the account token)',
  },
  100: { kind: 'provider-unavailable', advice: 'Postmark is in maintenance; retry later' },
  300: {
    kind: 'message-rejected',
    advice:
      'Postmark found the request invalid (an address, a missing body, too many recipients); fix the message',
  },
  400: {
    kind: 'config',
    advice:
      'the From address has no confirmed Sender Signature or verified domain on this Postmark server; add one',
  },
  401: {
    kind: 'config',
    advice:
      "the From address's Sender Signature is not confirmed yet; confirm it from the email Postmark sent",
  },
  402: {
    kind: 'message-rejected',
    advice: 'Postmark could not read the JSON (report it to relaykit)',
  },
  403: {
    kind: 'message-rejected',
    advice: 'Postmark refused a request field (report it to relaykit)',
  },
  405: {
    kind: 'provider-unavailable',
    retryable: false,
    advice: 'the Postmark account may not send (out of credits?); check billing',
  },
  406: {
    kind: 'recipient-rejected',
    advice:
      'Postmark marked these recipients inactive (hard bounce, spam complaint or manual suppression)',
  },
  409: { kind: 'message-rejected', advice: 'Postmark wanted JSON (report it to relaykit)' },
  410: { kind: 'message-rejected', advice: 'too many messages in one batch (Postmark takes 500)' },
  411: {
    kind: 'message-rejected',
    advice: 'an attachment type Postmark forbids; link the file instead',
  },
  412: {
    kind: 'provider-unavailable',
    retryable: false,
    advice: 'the Postmark account is pending approval',
  },
  413: {
    kind: 'provider-unavailable',
    retryable: false,
    advice: 'the Postmark account may not send; check its status in Postmark',
  },
  429: { kind: 'rate-limited', advice: "Postmark's rate limit; relaykit backs off" },
  1364: { kind: 'config', advice: 'the webhook URL did not answer 200 when Postmark checked it' },
};

/** The shape every postmark SDK error has (any SDK version: matched by shape, not instanceof). */
interface PostmarkErrorShape {
  name: string;
  message: string;
  code: number;
  statusCode: number;
}

export function isPostmarkError(error: unknown): error is PostmarkErrorShape {
  if (!(error instanceof Error)) return false;
  const e = error as Error & Record<string, unknown>;
  return typeof e['statusCode'] === 'number' && typeof e['code'] === 'number';
}

const markers = [/Found inactive addresses:\s*/iu, /these inactive addresses:\s*/iu];
const addressPattern = /[^\s,;:<>()"]+@[^\s,;:<>()"]+/gu;

/**
 * Reads the inactive addresses out of Postmark's 406 text, which lists them after
 * "Found inactive addresses:" (or "…these inactive addresses:"), comma-separated, up to the
 * sentence "Inactive recipients are ones that …".
 */
export function parseInactiveRecipients(text: string): string[] {
  for (const marker of markers) {
    const found = marker.exec(text);
    if (!found) continue;
    const rest = text.slice(found.index + found[0].length);
    const end = rest.search(/\.?\s+Inactive recipients\b/iu);
    const span = end === -1 ? rest : rest.slice(0, end);
    const addresses = (span.match(addressPattern) ?? [])
      .map((a) => a.replace(/\.+$/u, ''))
      .filter((a) => /@[^@]+\.[^@]+$/u.test(a));
    return [...new Set(addresses)];
  }
  return [];
}

function recipientRejected(
  text: string,
  context: MapContext,
  base: { status?: number; cause?: unknown },
): RelayError {
  const listed = parseInactiveRecipients(text);
  const own = context.recipients;
  const recipients = listed.map((a) => own?.get(addressKey(a)) ?? a);
  if (recipients.length === 0 && own?.size === 1) recipients.push(...own.values());
  if (recipients.length === 0) {
    // Without names the relay would treat every recipient as refused (and suppress them all).
    return new RelayError({
      kind: 'message-rejected',
      provider: context.provider,
      providerCode: '406',
      ...base,
      message: `Postmark refused inactive recipients but did not name them (${text}); check the message stream's suppressions`,
    });
  }
  return new RelayError({
    kind: 'recipient-rejected',
    provider: context.provider,
    providerCode: '406',
    recipients,
    ...base,
    message: `Postmark refused inactive recipient(s) ${recipients.join(', ')}: ${codeRules[406]?.advice ?? ''}`,
  });
}

/** An API ErrorCode (from a 422 answer or a batch element) → RelayError. */
export function fromErrorCode(
  code: number,
  text: string,
  context: MapContext,
  base: { status?: number; cause?: unknown } = {},
): RelayError {
  if (code === 406) return recipientRejected(text, context, base);
  // ErrorCodes 1100-1199 are the template errors (1101 "Template not found", 1109 no template
  // data, 1120-1123 a template field missing or invalid): the template is at fault, permanently
  // (https://postmarkapp.com/developer/api/overview#error-codes).
  if (code >= 1100 && code < 1200) {
    const named = context.template === undefined ? 'the template' : `template ${context.template}`;
    return new RelayError({
      kind: 'template',
      provider: context.provider,
      providerCode: String(code),
      ...(context.template === undefined ? {} : { template: context.template }),
      ...base,
      message: `Postmark ErrorCode ${code}${base.status ? ` (HTTP ${base.status})` : ''}: ${text || 'no message'}; ${code === 1101 ? `${named} does not exist on this Postmark server: create it, or fix template.ids.postmark` : `Postmark refused ${named} or its model; fix template.data`}`,
    });
  }
  const rule = codeRules[code] ?? {
    kind: 'message-rejected' as const,
    advice: 'Postmark refused the message',
  };
  const retryAfterMs =
    rule.kind === 'rate-limited' && context.transport?.headers
      ? parseRateLimitReset(context.transport.headers, context.now)
      : undefined;
  return new RelayError({
    kind: rule.kind,
    provider: context.provider,
    providerCode: String(code),
    ...(rule.retryable === undefined ? {} : { retryable: rule.retryable }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...base,
    message: `Postmark ErrorCode ${code}${base.status ? ` (HTTP ${base.status})` : ''}: ${text || 'no message'}; ${rule.advice}`,
  });
}

function fromStatus(status: number, error: PostmarkErrorShape, context: MapContext): RelayError {
  const kind = classifyHttpStatus(status);
  const retryAfterMs = context.transport?.headers
    ? parseRateLimitReset(context.transport.headers, context.now)
    : undefined;
  const advice: Partial<Record<RelayErrorKind, string>> = {
    auth: 'check serverToken',
    config: 'check baseUrl: Postmark has no such endpoint',
    'rate-limited': 'relaykit backs off',
    transient: 'relaykit retries',
    'provider-unavailable': 'Postmark is unavailable; relaykit retries or fails over',
    'message-rejected':
      status === 413
        ? "the message is over Postmark's 10 MB limit; link large files instead"
        : 'Postmark refused the request',
  };
  return new RelayError({
    kind,
    provider: context.provider,
    status,
    ...(error.code ? { providerCode: String(error.code) } : {}),
    ...(kind === 'rate-limited' && retryAfterMs !== undefined ? { retryAfterMs } : {}),
    cause: error,
    message: `Postmark answered HTTP ${status}: ${error.message}; ${advice[kind] ?? 'see the cause'}`,
  });
}

/**
 * Any failure of a Postmark call → RelayError. The SDK picks its error class by HTTP status and
 * carries Postmark's ErrorCode in `code`; a network failure has status 0.
 */
export function toPostmarkRelayError(error: unknown, context: MapContext): RelayError {
  if (error instanceof RelayError) return error;
  if (!isPostmarkError(error) || error.statusCode === 0) {
    // A network failure: the SDK keeps only fetch's message ("fetch failed"), the transport scope
    // keeps what fetch threw. Core's table decides the kind.
    const transport = toTransportError(context.transport?.error ?? error, at(context));
    if (transport) return transport;
    if (error instanceof SyntaxError) {
      return transportError('malformed', { ...at(context), detail: error.message, cause: error });
    }
    return new RelayError({
      kind: 'transient',
      provider: context.provider,
      ...(isPostmarkError(error) ? { providerCode: 'ENETWORK' } : {}),
      cause: error,
      message: `unexpected failure calling Postmark: ${error instanceof Error ? error.message : String(error)}; relaykit retries`,
    });
  }
  const status = error.statusCode;
  if (status === 401 || error.code === 10) {
    return fromErrorCode(10, error.message, context, { status, cause: error });
  }
  if (status === 422 || (status === 429 && error.code === 429)) {
    return fromErrorCode(error.code, error.message, context, { status, cause: error });
  }
  return fromStatus(status, error, context);
}

const at = (context: MapContext) => ({ provider: context.provider, service: 'Postmark' });
