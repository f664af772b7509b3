import { RelayError, type RelayErrorKind } from '@relaykit/core';
import { classifyHttpStatus, parseRateLimitReset, transportError } from '@relaykit/core/adapter';

/** What the SDK resolves with instead of throwing: `{ name, message, statusCode }`. */
export interface ResendErrorLike {
  name?: string;
  message?: string;
  statusCode?: number | null;
}

export interface MapErrorContext {
  /** The relay's name for the provider. */
  provider: string;
  /** Response headers as the SDK returns them (`null` when no response arrived). */
  headers?: Record<string, string> | null;
  /** The send's abort signal: an aborted request is a timeout, not a network fault. */
  signal?: AbortSignal;
  now?: number;
  /** The template id of a templated send, named by a template error. */
  template?: string;
}

interface Rule {
  kind: RelayErrorKind;
  /** What to do, appended to Resend's message. */
  advice: string;
  field?: string;
}

/** A rule: the kind Resend's error means, what to do, and the message field at fault when it names one. */
function rule(kind: RelayErrorKind, advice: string, field?: string): Rule {
  return { kind, advice, ...(field === undefined ? {} : { field }) };
}
// The kinds most of Resend's errors fall into.
const rejected = (advice: string, field?: string) => rule('message-rejected', advice, field);
const auth = (advice: string) => rule('auth', advice);
const transient = (advice: string) => rule('transient', advice);
const unavailable = (advice: string) => rule('provider-unavailable', advice);

/** Every error name Resend documents (api-reference/errors and the SDK's RESEND_ERROR_CODE_KEY). */
const rules: Record<string, Rule> = {
  invalid_idempotency_key: rule(
    'invalid',
    'the idempotency key must be 1 to 256 characters',
    'idempotencyKey',
  ),
  validation_error: rejected('fix the message as the error says; it will not be sent as it is'),
  missing_required_field: rejected('a field Resend requires is missing'),
  invalid_attachment: rejected('each attachment needs content and a filename', 'attachments'),
  invalid_from_address: rejected(
    'use `email@example.com` or `Name <email@example.com>` on a domain verified at Resend',
    'from',
  ),
  invalid_parameter: rejected('a parameter has an invalid value'),
  invalid_region: rejected('the region is not one Resend offers'),
  invalid_access: rejected('the access value is invalid'),
  security_error: rejected('Resend flagged the content; change it before sending again'),
  missing_api_key: auth('pass the API key (apiKey option or your client)'),
  invalid_api_key: auth('the API key is invalid or revoked; create a new one at Resend → API Keys'),
  restricted_api_key: auth('this key may only send emails; use a full-access key for this call'),
  not_found: rule(
    'config',
    'the endpoint does not exist; check baseUrl (no path after the origin unless a proxy needs one)',
  ),
  method_not_allowed: rule('config', 'the endpoint refused the method; check baseUrl'),
  invalid_idempotent_request: rule(
    'invalid',
    'another message was sent with this idempotency key in the last 24 hours; give each message its own key',
    'idempotencyKey',
  ),
  concurrent_idempotent_requests: transient(
    'the first request with this idempotency key is still running; retry later with the same key',
  ),
  rate_limit_exceeded: rule('rate-limited', 'too many requests per second for the team; slow down'),
  daily_quota_exceeded: unavailable(
    'the daily sending quota is used up; sends resume after the 24-hour window, or upgrade the plan',
  ),
  monthly_quota_exceeded: unavailable(
    'the monthly sending quota is used up; upgrade the plan or wait for the next period',
  ),
  application_error: transient('Resend had a fault; retry later'),
  internal_server_error: transient('Resend had a fault; retry later'),
};

/** The SDK's message for a request that got no response (DNS, refused, reset, aborted). */
const noResponse = 'Unable to fetch data. The request could not be resolved.';

const defaultAdvice = (kind: RelayErrorKind) =>
  kind === 'transient' || kind === 'provider-unavailable'
    ? 'retry later'
    : kind === 'auth'
      ? 'check the API key'
      : 'the request was refused';

function kindFor(name: string, status: number | undefined, message: string): Rule {
  if (name === 'validation_error') {
    // Resend now answers a bad key with validation_error 400/401 ("API key is invalid"), and an
    // unverified sending domain or test-mode recipient with 403: the account, not the message, is at fault.
    if (status === 401 || /api key/iu.test(message)) return rules['invalid_api_key'] as Rule;
    if (status === 403) {
      return auth(
        'the account may not send this (unverified domain, or test mode limited to your own address); verify the domain at Resend → Domains',
      );
    }
  }
  // 503 is an outage whatever the body says: fail over at once rather than retry here.
  if (status === 503)
    return unavailable('Resend is unavailable; retry later or through another provider');
  if (
    (name === 'application_error' || name === 'internal_server_error') &&
    status !== undefined &&
    status < 500
  ) {
    // A non-JSON error body (a proxy, or no such endpoint): only the status is known.
    if (status === 404) return rules['not_found'] as Rule;
    if (status === 405) return rules['method_not_allowed'] as Rule;
    const kind = classifyHttpStatus(status);
    return { kind, advice: defaultAdvice(kind) };
  }
  const rule = rules[name];
  if (rule) return rule;
  if (status === undefined) return transient('retry later');
  const kind = classifyHttpStatus(status);
  return { kind, advice: defaultAdvice(kind) };
}

/**
 * Maps an error the SDK resolved with (`{ data: null, error }`) to a RelayError. `statusCode: null`
 * with name `application_error` means no response arrived: a network failure (transient, code
 * `ENETWORK`), or a timeout when the send's signal was aborted (transient, `ETIMEDOUT`). The SDK
 * swallows the underlying network error, so the cause is the SDK's error object.
 */
export function mapResendError(error: ResendErrorLike, context: MapErrorContext): RelayError {
  const name = typeof error.name === 'string' && error.name !== '' ? error.name : 'unknown_error';
  const status = typeof error.statusCode === 'number' ? error.statusCode : undefined;
  const message = typeof error.message === 'string' ? error.message : '';
  const base = { provider: context.provider, cause: error } as const;
  const template = templateError(context.template, message, context.provider, error, {
    name,
    ...(status === undefined ? {} : { status }),
  });
  if (template) return template;

  if (status === undefined && name === 'application_error') {
    if (context.signal?.aborted) {
      return transportError('timeout', {
        provider: context.provider,
        service: 'Resend',
        cause: error,
      });
    }
    if (message === noResponse || message === '') {
      // Only a client relaykit did not build gets here: the SDK drops what went wrong, so the
      // transport table cannot tell a refused connection from a reset (see provider.ts).
      return new RelayError({
        ...base,
        kind: 'transient',
        providerCode: 'ENETWORK',
        message: `no usable answer from Resend (connection refused, reset, DNS or TLS failure, or an unreadable body; your Resend client does not say which); retry later. SDK said: ${noResponse}`,
      });
    }
  }

  const rule = kindFor(name, status, message);
  const headers = context.headers ? new Headers(context.headers) : undefined;
  let retryAfterMs: number | undefined;
  if (
    headers &&
    (rule.kind === 'rate-limited' ||
      rule.kind === 'provider-unavailable' ||
      rule.kind === 'transient')
  ) {
    retryAfterMs = parseRateLimitReset(headers, context.now ?? Date.now());
  }
  return new RelayError({
    ...base,
    kind: rule.kind,
    providerCode: name,
    ...(status === undefined ? {} : { status }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(rule.field === undefined ? {} : { field: rule.field }),
    message: `${name}${status === undefined ? '' : ` (${status})`}: ${message || 'no message'}; ${rule.advice}`,
  });
}

/**
 * A templated send's refusal that concerns the template: 404 `not_found` "Template not found", or
 * a 422 `validation_error` naming the template or a missing variable
 * (https://resend.com/docs/api-reference/errors, https://resend.com/docs/dashboard/templates/template-variables).
 * Undefined for anything else, or for a send without a template.
 */
export function templateError(
  template: string | undefined,
  message: string,
  provider: string,
  cause: unknown,
  answer: { name: string; status?: number },
): RelayError | undefined {
  if (template === undefined || !/template|variable/iu.test(message)) return undefined;
  if (answer.status !== undefined && answer.status !== 404 && answer.status !== 422)
    return undefined;
  const missing = /not found/iu.test(message);
  return new RelayError({
    kind: 'template',
    provider,
    providerCode: answer.name,
    ...(answer.status === undefined ? {} : { status: answer.status }),
    template,
    cause,
    message: `${answer.name}${answer.status === undefined ? '' : ` (${answer.status})`}: ${message}; ${missing ? `template ${template} is not published on this Resend account: create it, or fix template.ids.resend` : `Resend refused the variables for template ${template}: fix template.data`}`,
  });
}

/** The error a batch element got in permissive validation: Resend gives only a message. */
export function batchElementError(
  element: { index: number; message: string },
  provider: string,
  template?: string,
): RelayError {
  const refused = templateError(template, element.message, provider, element, {
    name: 'validation_error',
  });
  if (refused) return refused;
  return new RelayError({
    kind: 'message-rejected',
    provider,
    providerCode: 'validation_error',
    status: 422,
    message: `validation_error in batch (element ${element.index}): ${element.message}; fix the message as the error says`,
    cause: element,
  });
}
