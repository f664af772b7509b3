import {
  classifyHttpStatus,
  parseRetryAfter,
  RelayError,
  toTransportError,
  transportError,
  type RelayErrorKind,
} from '@relaykit/core';

/**
 * SDK error → RelayError. SES v2 exceptions carry `name` (the modeled exception, or the AWS error
 * code for unmodeled ones such as ThrottlingException), `$metadata.httpStatusCode` and a hidden
 * `$response` with the headers; network failures carry a Node `code` and no status.
 */

interface SdkErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

interface Rule {
  kind: RelayErrorKind;
  advice: string;
}

/**
 * Modeled exceptions (the `@throws` list of `@aws-sdk/client-sesv2`'s
 * `dist-types/commands/SendEmailCommand.d.ts`) and the common AWS errors that reach SendEmail
 * (https://docs.aws.amazon.com/ses/latest/APIReference-V2/CommonErrors.html).
 */
const byName: Record<string, Rule> = {
  MessageRejected: {
    kind: 'message-rejected',
    advice:
      'SES refused the content (e.g. a virus, or in the sandbox an unverified recipient); do not retry it unchanged',
  },
  BadRequestException: {
    kind: 'message-rejected',
    advice:
      'SES refused the request as invalid (an address, header or attachment it does not accept)',
  },
  MailFromDomainNotVerifiedException: {
    kind: 'config',
    advice: 'verify the sending domain (and its MAIL FROM domain) in SES',
  },
  NotFoundException: {
    kind: 'config',
    advice: 'the configuration set, template or contact list named does not exist in this region',
  },
  AccountSuspendedException: {
    kind: 'provider-unavailable',
    advice:
      'the SES account is suspended from sending; contact AWS and send through another provider meanwhile',
  },
  SendingPausedException: {
    kind: 'provider-unavailable',
    advice: 'sending is paused for the account or configuration set; resume it in SES',
  },
  TooManyRequestsException: {
    kind: 'rate-limited',
    advice: 'over the SES send rate; relaykit backs off',
  },
  LimitExceededException: {
    kind: 'rate-limited',
    advice: 'an SES limit was exceeded; relaykit backs off',
  },
  ThrottlingException: {
    kind: 'rate-limited',
    advice: 'SES throttled the call; relaykit backs off',
  },
  Throttling: { kind: 'rate-limited', advice: 'SES throttled the call; relaykit backs off' },
  InternalServiceErrorException: { kind: 'transient', advice: 'SES had an internal error' },
  ConcurrentModificationException: {
    kind: 'transient',
    advice: 'a concurrent change at SES; try again',
  },
  ServiceUnavailable: { kind: 'provider-unavailable', advice: 'SES is unavailable' },
  ServiceUnavailableException: { kind: 'provider-unavailable', advice: 'SES is unavailable' },
  ConflictException: { kind: 'message-rejected', advice: 'SES reported a conflict' },
  AlreadyExistsException: {
    kind: 'message-rejected',
    advice: 'SES reported that the resource already exists',
  },
  InvalidNextTokenException: {
    kind: 'message-rejected',
    advice: 'SES refused the pagination token',
  },
  AccessDeniedException: {
    kind: 'auth',
    advice:
      'the credentials lack permission (allow ses:SendEmail, ses:SendBulkEmail, ses:GetAccount)',
  },
  AccessDenied: {
    kind: 'auth',
    advice:
      'the credentials lack permission (allow ses:SendEmail, ses:SendBulkEmail, ses:GetAccount)',
  },
  UnrecognizedClientException: {
    kind: 'auth',
    advice: 'AWS does not know this access key; check the credentials',
  },
  InvalidClientTokenId: {
    kind: 'auth',
    advice: 'AWS does not know this access key; check the credentials',
  },
  InvalidSignatureException: {
    kind: 'auth',
    advice: 'the request signature does not match; check the secret key and the clock',
  },
  SignatureDoesNotMatch: {
    kind: 'auth',
    advice: 'the request signature does not match; check the secret key and the clock',
  },
  IncompleteSignature: {
    kind: 'auth',
    advice: 'the request signature is incomplete; check the credentials',
  },
  MissingAuthenticationToken: { kind: 'auth', advice: 'no credentials were sent' },
  ExpiredToken: { kind: 'auth', advice: 'the session token expired; refresh the credentials' },
  ExpiredTokenException: {
    kind: 'auth',
    advice: 'the session token expired; refresh the credentials',
  },
  CredentialsProviderError: {
    kind: 'auth',
    advice:
      'no AWS credentials were found; pass credentials, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile',
  },
  RequestTimeout: { kind: 'transient', advice: 'the request timed out' },
  RequestTimeoutException: { kind: 'transient', advice: 'the request timed out' },
  TimeoutError: { kind: 'transient', advice: 'the request timed out' },
};

function header(
  headers: Record<string, string | undefined> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Maps anything the SES client throws to a RelayError; the original stays as `cause`. */
export function toSesError(error: unknown, provider = 'ses', template?: string): RelayError {
  if (error instanceof RelayError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const text = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(error);
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const base = {
    provider,
    cause: error,
    providerCode: name,
    ...(status === undefined ? {} : { status }),
  };

  if (status === undefined || (status >= 200 && status < 300)) {
    const transport = toTransportError(error, { provider, service: 'SES' });
    if (transport) return transport;
    // The SDK could not parse a success answer (smithy's JSON deserializer throws the SyntaxError).
    if (name === 'SyntaxError' || (status !== undefined && status < 300)) {
      return transportError('malformed', { provider, service: 'SES', detail: text, cause: error });
    }
  }

  const retryAfterMs = parseRetryAfter(
    header(e.$response?.headers, 'retry-after') ??
      header(e.$response?.headers, 'x-amz-retry-after'),
  );
  // The daily quota does not clear until the 24-hour window rolls: another provider, not a retry here.
  if (/daily message quota exceeded/iu.test(text)) {
    return new RelayError({
      ...base,
      kind: 'provider-unavailable',
      message: `${name}: ${text} (the 24-hour sending quota is used up; raise it or send through another provider)`,
    });
  }
  // A templated send: SendEmail answers a missing template with NotFoundException and merge data
  // it cannot read (TemplateData not a JSON object) with BadRequestException
  // (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors).
  // A missing variable is no error here: SES reports it later as a Rendering Failure event.
  if (
    template !== undefined &&
    ((name === 'NotFoundException' && !/configuration set|contact list/iu.test(text)) ||
      (name === 'BadRequestException' && /template/iu.test(text)))
  ) {
    return new RelayError({
      ...base,
      kind: 'template',
      template,
      message: `${name}: ${text} (${name === 'NotFoundException' ? `template ${template} does not exist in this region: create it, or fix template.ids.ses` : `SES refused template ${template} or its data: fix template.data`})`,
    });
  }
  const rule = byName[name];
  if (rule) {
    return new RelayError({
      ...base,
      kind: rule.kind,
      message: `${name}${text && text !== name ? `: ${text}` : ''} (${rule.advice})`,
      ...(retryAfterMs === undefined || rule.kind !== 'rate-limited' ? {} : { retryAfterMs }),
    });
  }
  if (status !== undefined) {
    const kind = classifyHttpStatus(status);
    return new RelayError({
      ...base,
      kind,
      message: `SES answered HTTP ${status} (${name}${text && text !== name ? `: ${text}` : ''})`,
      ...(retryAfterMs === undefined || kind !== 'rate-limited' ? {} : { retryAfterMs }),
    });
  }
  if (/region is missing/iu.test(text)) {
    return new RelayError({
      ...base,
      kind: 'config',
      message: 'no AWS region: pass region to ses(), or set AWS_REGION',
    });
  }
  return new RelayError({
    ...base,
    kind: 'transient',
    message: `unexpected failure calling SES: ${name}: ${text}`,
  });
}

/** SendBulkEmail entry statuses (`BulkEmailStatus` in `@aws-sdk/client-sesv2`'s `dist-types/models/enums.d.ts`) → kinds. */
const bulkStatus: Record<string, Rule> = {
  MESSAGE_REJECTED: byName['MessageRejected'] as Rule,
  INVALID_PARAMETER: { kind: 'message-rejected', advice: 'SES refused a parameter of this entry' },
  MAIL_FROM_DOMAIN_NOT_VERIFIED: byName['MailFromDomainNotVerifiedException'] as Rule,
  CONFIGURATION_SET_NOT_FOUND: {
    kind: 'config',
    advice: 'the configuration set does not exist in this region',
  },
  TEMPLATE_NOT_FOUND: {
    kind: 'template',
    advice: 'the template does not exist in this region: create it, or fix template.ids.ses',
  },
  INVALID_SENDING_POOL_NAME: {
    kind: 'config',
    advice: 'the configuration set names a sending pool that does not exist',
  },
  ACCOUNT_SUSPENDED: byName['AccountSuspendedException'] as Rule,
  ACCOUNT_SENDING_PAUSED: {
    kind: 'provider-unavailable',
    advice: 'sending is paused for the account',
  },
  CONFIGURATION_SET_SENDING_PAUSED: {
    kind: 'provider-unavailable',
    advice: 'sending is paused for the configuration set',
  },
  ACCOUNT_DAILY_QUOTA_EXCEEDED: {
    kind: 'provider-unavailable',
    advice: 'the 24-hour sending quota is used up',
  },
  ACCOUNT_THROTTLED: { kind: 'rate-limited', advice: 'over the SES send rate' },
  TRANSIENT_FAILURE: { kind: 'transient', advice: 'a passing failure at SES' },
  FAILED: { kind: 'transient', advice: 'SES did not say why' },
};

/** The error for one failed SendBulkEmail entry. */
export function bulkEntryError(
  status: string,
  detail: string | undefined,
  provider = 'ses',
  template?: string,
): RelayError {
  const rule = bulkStatus[status] ?? {
    kind: 'transient' as const,
    advice: 'an entry status relaykit does not know',
  };
  return new RelayError({
    kind: rule.kind,
    provider,
    providerCode: status,
    ...(rule.kind === 'template' && template !== undefined ? { template } : {}),
    message: `SendBulkEmail entry ${status}${detail ? `: ${detail}` : ''} (${rule.advice})`,
  });
}
