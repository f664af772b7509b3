import {
  AccountSuspendedException,
  BadRequestException,
  ConcurrentModificationException,
  InternalServiceErrorException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendingPausedException,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { RelayError } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { bulkEntryError, toSesError } from './errors.ts';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, attempts: 1 } });

describe('toSesError', () => {
  it.each([
    [
      new MessageRejected({ message: 'Email address is not verified.', ...meta(400) }),
      'message-rejected',
      400,
    ],
    [new BadRequestException({ message: 'Invalid header', ...meta(400) }), 'message-rejected', 400],
    [
      new MailFromDomainNotVerifiedException({ message: 'not verified', ...meta(400) }),
      'config',
      400,
    ],
    [
      new NotFoundException({ message: 'Configuration set does not exist', ...meta(404) }),
      'config',
      404,
    ],
    [
      new AccountSuspendedException({ message: 'restricted', ...meta(400) }),
      'provider-unavailable',
      400,
    ],
    [new SendingPausedException({ message: 'paused', ...meta(400) }), 'provider-unavailable', 400],
    [
      new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', ...meta(429) }),
      'rate-limited',
      429,
    ],
    [new LimitExceededException({ message: 'limit', ...meta(400) }), 'rate-limited', 400],
    [new InternalServiceErrorException({ message: 'oops', ...meta(500) }), 'transient', 500],
    [new ConcurrentModificationException({ message: 'busy', ...meta(500) }), 'transient', 500],
  ])('maps %s', (error, kind, status) => {
    const mapped = toSesError(error);
    expect(mapped).toBeInstanceOf(RelayError);
    expect(mapped).toMatchObject({ kind, status, provider: 'ses', providerCode: error.name });
    expect(mapped.cause).toBe(error);
    expect(mapped.message).toMatch(/^\[relaykit\] \[ses\] /u);
  });

  it('never confuses 4xx and 5xx', () => {
    expect(toSesError(new MessageRejected({ message: 'x', ...meta(400) })).retryable).toBe(false);
    expect(
      toSesError(new InternalServiceErrorException({ message: 'x', ...meta(500) })).retryable,
    ).toBe(true);
    expect(toSesError(new TooManyRequestsException({ message: 'x', ...meta(429) })).retryable).toBe(
      true,
    );
  });

  it('maps "Daily message quota exceeded" to provider-unavailable whatever the exception', () => {
    expect(
      toSesError(
        new LimitExceededException({ message: 'Daily message quota exceeded.', ...meta(400) }),
      ).kind,
    ).toBe('provider-unavailable');
    expect(
      toSesError(
        new TooManyRequestsException({ message: 'Daily message quota exceeded.', ...meta(429) }),
      ).kind,
    ).toBe('provider-unavailable');
  });

  it('reads Retry-After from the response headers for rate limits', () => {
    const error = new TooManyRequestsException({ message: 'slow down', ...meta(429) });
    Object.defineProperty(error, '$response', {
      value: { statusCode: 429, headers: { 'Retry-After': '7' } },
    });
    expect(toSesError(error).retryAfterMs).toBe(7000);
  });

  it('maps unmodeled AWS errors by name, then by status', () => {
    const unmodeled = (name: string, status: number) =>
      new SESv2ServiceException({
        name,
        $fault: status >= 500 ? 'server' : 'client',
        message: name,
        ...meta(status),
      });
    expect(toSesError(unmodeled('ThrottlingException', 400)).kind).toBe('rate-limited');
    expect(toSesError(unmodeled('AccessDeniedException', 403)).kind).toBe('auth');
    expect(toSesError(unmodeled('UnrecognizedClientException', 403)).kind).toBe('auth');
    expect(toSesError(unmodeled('InvalidSignatureException', 403)).kind).toBe('auth');
    expect(toSesError(unmodeled('ServiceUnavailable', 503)).kind).toBe('provider-unavailable');
    expect(toSesError(unmodeled('Unknown', 502)).kind).toBe('transient');
    expect(toSesError(unmodeled('SomethingNew', 418)).kind).toBe('message-rejected');
    expect(toSesError(unmodeled('MissingAuthenticationTokenException', 403)).kind).toBe('auth');
    // A non-JSON 503 body: the SDK throws a deserialization SyntaxError carrying the status.
    expect(toSesError(Object.assign(new SyntaxError('Unexpected token'), meta(503))).kind).toBe(
      'provider-unavailable',
    );
  });

  it('maps network failures: refused → provider-unavailable (nothing sent), reset/timeout → transient', () => {
    const net = (code: string) =>
      Object.assign(new Error(`connect ${code}`), { code, $metadata: { attempts: 1 } });
    expect(toSesError(net('ECONNREFUSED'))).toMatchObject({
      kind: 'provider-unavailable',
      providerCode: 'ECONNREFUSED',
    });
    expect(toSesError(net('ENOTFOUND')).kind).toBe('provider-unavailable');
    expect(toSesError(net('ECONNRESET'))).toMatchObject({
      kind: 'transient',
      providerCode: 'ECONNRESET',
    });
    expect(toSesError(net('ETIMEDOUT')).kind).toBe('transient');
    expect(toSesError(new Error('fetch failed', { cause: net('ECONNRESET') })).kind).toBe(
      'transient',
    );
    expect(
      toSesError(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })).kind,
    ).toBe('transient');
  });

  it('maps an abort to the transport table (transient, not retried), and missing credentials/region to auth/config', () => {
    expect(
      toSesError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'ses'),
    ).toMatchObject({ kind: 'transient', providerCode: 'ABORT_ERR', retryable: false });
    expect(
      toSesError(
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
      ).kind,
    ).toBe('auth');
    expect(toSesError(new Error('Region is missing')).kind).toBe('config');
    expect(toSesError('weird').kind).toBe('transient');
  });

  it('passes RelayErrors through and uses the provider name given', () => {
    const original = new RelayError({ kind: 'invalid', message: 'x' });
    expect(toSesError(original)).toBe(original);
    expect(toSesError(new MessageRejected({ message: 'x', ...meta(400) }), 'ses-eu').provider).toBe(
      'ses-eu',
    );
  });
});

describe('bulkEntryError', () => {
  it.each([
    ['MESSAGE_REJECTED', 'message-rejected'],
    ['INVALID_PARAMETER', 'message-rejected'],
    ['MAIL_FROM_DOMAIN_NOT_VERIFIED', 'config'],
    ['CONFIGURATION_SET_NOT_FOUND', 'config'],
    ['TEMPLATE_NOT_FOUND', 'template'],
    ['INVALID_SENDING_POOL_NAME', 'config'],
    ['ACCOUNT_SUSPENDED', 'provider-unavailable'],
    ['ACCOUNT_SENDING_PAUSED', 'provider-unavailable'],
    ['CONFIGURATION_SET_SENDING_PAUSED', 'provider-unavailable'],
    ['ACCOUNT_DAILY_QUOTA_EXCEEDED', 'provider-unavailable'],
    ['ACCOUNT_THROTTLED', 'rate-limited'],
    ['TRANSIENT_FAILURE', 'transient'],
    ['FAILED', 'transient'],
    ['SOMETHING_NEW', 'transient'],
  ])('%s → %s', (status, kind) => {
    expect(bulkEntryError(status, 'detail')).toMatchObject({ kind, providerCode: status });
  });
});
