import type { RelayErrorKind } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { batchElementError, mapResendError } from './errors.ts';

const ctx = { provider: 'resend' };

// Every documented error name with its documented status, and the kind relaykit gives it.
const table: Array<[name: string, status: number, kind: RelayErrorKind]> = [
  ['invalid_idempotency_key', 400, 'invalid'],
  ['validation_error', 400, 'message-rejected'],
  ['validation_error', 422, 'message-rejected'],
  ['validation_error', 403, 'auth'],
  ['validation_error', 401, 'auth'],
  ['missing_api_key', 401, 'auth'],
  ['restricted_api_key', 401, 'auth'],
  ['invalid_api_key', 403, 'auth'],
  ['not_found', 404, 'config'],
  ['method_not_allowed', 405, 'config'],
  ['invalid_idempotent_request', 409, 'invalid'],
  ['concurrent_idempotent_requests', 409, 'transient'],
  ['invalid_attachment', 422, 'message-rejected'],
  ['invalid_from_address', 422, 'message-rejected'],
  ['invalid_access', 422, 'message-rejected'],
  ['invalid_parameter', 422, 'message-rejected'],
  ['invalid_region', 422, 'message-rejected'],
  ['missing_required_field', 422, 'message-rejected'],
  ['rate_limit_exceeded', 429, 'rate-limited'],
  ['daily_quota_exceeded', 429, 'provider-unavailable'],
  ['monthly_quota_exceeded', 429, 'provider-unavailable'],
  ['security_error', 451, 'message-rejected'],
  ['application_error', 500, 'transient'],
  ['internal_server_error', 500, 'transient'],
];

describe('mapResendError', () => {
  it.each(table)('%s (%i) → %s', (name, status, kind) => {
    const cause = { name, statusCode: status, message: 'the message' };
    const error = mapResendError(cause, ctx);
    expect(error).toMatchObject({ kind, status, providerCode: name, provider: 'resend' });
    expect(error.cause).toBe(cause);
    expect(error.message).toMatch(/^\[relaykit\] \[resend\] /u);
    // 4xx is final, 5xx worth another try; 409-concurrent and 429 are the documented exceptions.
    const retryable = status >= 500 || status === 429 || name === 'concurrent_idempotent_requests';
    expect(error.retryable).toBe(retryable);
  });

  it('reads an invalid key reported as validation_error', () => {
    expect(
      mapResendError(
        { name: 'validation_error', statusCode: 400, message: 'API key is invalid' },
        ctx,
      ).kind,
    ).toBe('auth');
  });

  it('honours retry-after, then ratelimit-reset, on a 429', () => {
    expect(
      mapResendError(
        { name: 'rate_limit_exceeded', statusCode: 429, message: 'Too many requests' },
        { ...ctx, headers: { 'retry-after': '2', 'ratelimit-reset': '1' } },
      ).retryAfterMs,
    ).toBe(2000);
    expect(
      mapResendError(
        { name: 'rate_limit_exceeded', statusCode: 429, message: 'x' },
        { ...ctx, headers: { 'ratelimit-reset': '3' } },
      ).retryAfterMs,
    ).toBe(3000);
    expect(
      mapResendError(
        { name: 'rate_limit_exceeded', statusCode: 429, message: 'x' },
        { ...ctx, headers: null },
      ).retryAfterMs,
    ).toBeUndefined();
  });

  it('gives quotas a retryAfterMs when Resend announces one, and fails over on them', () => {
    const daily = mapResendError(
      { name: 'daily_quota_exceeded', statusCode: 429, message: 'quota' },
      { ...ctx, headers: { 'retry-after': '3600' } },
    );
    expect(daily).toMatchObject({
      kind: 'provider-unavailable',
      retryAfterMs: 3_600_000,
      providerFault: true,
    });
  });

  it('treats no response as a network failure, and an aborted one as a timeout', () => {
    const network = {
      name: 'application_error',
      statusCode: null,
      message: 'Unable to fetch data. The request could not be resolved.',
    };
    expect(mapResendError(network, { ...ctx, headers: null })).toMatchObject({
      kind: 'transient',
      providerCode: 'ENETWORK',
      retryable: true,
      cause: network,
    });
    const controller = new AbortController();
    controller.abort();
    expect(mapResendError(network, { ...ctx, signal: controller.signal })).toMatchObject({
      kind: 'transient',
      providerCode: 'ETIMEDOUT',
    });
  });

  it('classifies a non-JSON error body and unknown names by status', () => {
    const body =
      'Internal server error. We are unable to process your request right now, please try again later.';
    expect(
      mapResendError({ name: 'application_error', statusCode: 502, message: body }, ctx).kind,
    ).toBe('transient');
    expect(
      mapResendError({ name: 'application_error', statusCode: 503, message: body }, ctx),
    ).toMatchObject({ kind: 'provider-unavailable', providerFault: true });
    expect(
      mapResendError({ name: 'application_error', statusCode: 404, message: 'Not Found' }, ctx)
        .kind,
    ).toBe('config');
    expect(
      mapResendError({ name: 'application_error', statusCode: 400, message: body }, ctx),
    ).toMatchObject({ kind: 'message-rejected', retryable: false });
    expect(mapResendError({ name: 'something_new', statusCode: 503, message: '' }, ctx).kind).toBe(
      'provider-unavailable',
    );
    expect(
      mapResendError({ name: 'something_new', statusCode: 418, message: '' }, ctx),
    ).toMatchObject({ kind: 'message-rejected', retryable: false });
    expect(mapResendError({}, ctx)).toMatchObject({
      kind: 'transient',
      providerCode: 'unknown_error',
    });
  });

  it('makes a permissive batch element error final', () => {
    expect(
      batchElementError({ index: 2, message: 'The `to` field is missing.' }, 'resend'),
    ).toMatchObject({
      kind: 'message-rejected',
      retryable: false,
      providerCode: 'validation_error',
    });
  });
});
