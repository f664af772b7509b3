import { RelayError } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { mapMailgunError, networkCode } from './errors.ts';

/** The shape mailgun.js's APIError has (status, message, details, type); see errors.ts. */
const apiError = (status: number, message: string, details: string) =>
  Object.assign(new Error(message), { status, details, type: 'MailgunAPIError' });

describe('mapMailgunError', () => {
  it.each([
    [401, 'Unauthorized', 'Forbidden', 'auth'],
    [
      403,
      'Forbidden',
      'Domain mg.example.com is not allowed to send: The domain is disabled.',
      'auth',
    ],
    [404, 'Not Found', 'Domain not found: mg.example.com', 'config'],
    [400, 'Bad Request', 'Something the account cannot do', 'message-rejected'],
    [402, 'Payment Required', 'Request failed', 'message-rejected'],
    [413, 'Payload Too Large', '', 'message-rejected'],
    [429, 'Too Many Requests', 'Too many requests', 'rate-limited'],
    [500, 'Internal Server Error', 'Internal Server Error', 'transient'],
    [502, 'Bad Gateway', '', 'transient'],
    [503, 'Service Unavailable', 'Service Unavailable', 'provider-unavailable'],
    [504, 'Gateway Timeout', '', 'transient'],
  ] as const)('maps %i to %s', (status, message, details, kind) => {
    const error = apiError(status, message, details);
    const mapped = mapMailgunError(error);
    expect(mapped).toBeInstanceOf(RelayError);
    expect(mapped).toMatchObject({ kind, status, provider: 'mailgun', providerCode: message });
    expect(mapped.cause).toBe(error);
    expect(mapped.retryable).toBe(status >= 500 || status === 429);
    expect(mapped.message.startsWith('[relaykit] [mailgun] ')).toBe(true);
  });

  it('maps a 400 naming a parameter to message-rejected with the field', () => {
    expect(
      mapMailgunError(
        apiError(
          400,
          'Bad Request',
          "'to' parameter is not a valid address. please check documentation",
        ),
      ),
    ).toMatchObject({ kind: 'message-rejected', field: 'to', status: 400 });
    expect(
      mapMailgunError(apiError(400, 'Bad Request', 'from parameter is missing')),
    ).toMatchObject({ kind: 'message-rejected', field: 'from' });
    expect(
      mapMailgunError(
        apiError(
          400,
          'Bad Request',
          "Need at least one of 'text', 'html' or 'template' parameters specified",
        ),
      ),
    ).toMatchObject({ kind: 'message-rejected' });
  });

  it('maps 420 (domain recipient limit) to rate-limited with the announced time', () => {
    const now = Date.parse('2030-01-01T10:00:00Z');
    const mapped = mapMailgunError(
      apiError(
        420,
        'Enhance Your Calm',
        'Domain mg.example.com is not allowed to send: recipient limit exceeded, try again after Tue, 01 Jan 2030 11:00:00 GMT',
      ),
      'mailgun',
      now,
    );
    expect(mapped).toMatchObject({ kind: 'rate-limited', retryAfterMs: 3_600_000 });
  });

  it('tells a refused connection (SDK status 400) from a real 400', () => {
    const refused = apiError(400, 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1');
    const mapped = mapMailgunError(refused);
    expect(mapped).toMatchObject({
      kind: 'provider-unavailable',
      providerCode: 'ECONNREFUSED',
      retryable: true,
    });
    expect(mapped.status).toBeUndefined();
    expect(mapped.message).toContain('nothing was sent');
    expect(mapped.cause).toBe(refused);
  });

  it.each([
    ['ECONNABORTED', 'timeout of 500ms exceeded'],
    ['ECONNRESET', 'socket hang up'],
    ['ETIMEDOUT', 'connect ETIMEDOUT'],
    ['ERR_CANCELED', 'canceled'],
  ])('maps %s (%s) to transient, saying the message may have been taken', (code, details) => {
    const mapped = mapMailgunError(apiError(400, code, details));
    expect(mapped.kind).toBe('transient');
    expect(mapped.message).toContain(code);
    expect(mapped.status).toBeUndefined();
    expect(mapped.message).toContain('may have taken the message');
  });

  it('maps a failed DNS lookup to provider-unavailable: nothing reached Mailgun', () => {
    expect(
      mapMailgunError(apiError(400, 'ENOTFOUND', 'getaddrinfo ENOTFOUND api.mailgun.net')).kind,
    ).toBe('provider-unavailable');
  });

  it('does not read an axios response code as a network failure', () => {
    expect(networkCode(apiError(400, 'ERR_BAD_REQUEST', 'x'))).toBeUndefined();
    expect(networkCode(apiError(400, 'Bad Request', 'x'))).toBeUndefined();
    expect(networkCode(apiError(503, 'ECONNREFUSED', 'x'))).toBeUndefined();
    expect(
      mapMailgunError(apiError(400, 'ERR_BAD_REQUEST', 'from parameter is missing')).kind,
    ).toBe('message-rejected');
  });

  it("maps the SDK's own 'Incorrect url' to config", () => {
    expect(mapMailgunError(apiError(400, 'Incorrect url', 'Mailgun Magnificent API')).kind).toBe(
      'config',
    );
  });

  it('keeps RelayErrors and wraps anything else as transient', () => {
    const own = new RelayError({ kind: 'invalid', message: 'x' });
    expect(mapMailgunError(own)).toBe(own);
    const other = new TypeError('boom');
    expect(mapMailgunError(other)).toMatchObject({ kind: 'transient', cause: other });
  });
});
