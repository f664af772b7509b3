import { RelayError } from '@relaykit/core';
import { Errors } from 'postmark';
import { describe, expect, it } from 'vitest';
import {
  fromErrorCode,
  parseInactiveRecipients,
  toPostmarkRelayError,
  type MapContext,
} from './errors.ts';

const ctx: MapContext = { provider: 'postmark' };
const inactive =
  'You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: Bad@example.com, worse@example.org. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.';

describe('parseInactiveRecipients', () => {
  it('reads the addresses as Postmark words them', () => {
    expect(parseInactiveRecipients(inactive)).toEqual(['Bad@example.com', 'worse@example.org']);
    expect(
      parseInactiveRecipients(
        'Found inactive addresses: one@example.com. Inactive recipients are ones that …',
      ),
    ).toEqual(['one@example.com']);
    expect(
      parseInactiveRecipients(
        'You tried to send to these inactive addresses: a@example.com, b@example.com.',
      ),
    ).toEqual(['a@example.com', 'b@example.com']);
  });

  it('finds nothing in other text', () => {
    expect(parseInactiveRecipients('Invalid email request')).toEqual([]);
    expect(parseInactiveRecipients('Found inactive addresses: none.')).toEqual([]);
  });
});

describe('toPostmarkRelayError', () => {
  const cases: Array<[string, Error, Partial<RelayError>]> = [
    [
      '401 bad token',
      new Errors.InvalidAPIKeyError(
        'The Server Token you provided in the X-Postmark-Server-Token request header was invalid.',
        10,
        401,
      ),
      { kind: 'auth', status: 401, providerCode: '10', retryable: false },
    ],
    [
      '422/300 invalid request',
      new Errors.InvalidEmailRequestError("Invalid 'To' address", 300, 422),
      { kind: 'message-rejected', status: 422, providerCode: '300', retryable: false },
    ],
    [
      '422/400 sender signature',
      new Errors.ApiInputError(
        "The 'From' address you supplied is not a Sender Signature on your account.",
        400,
        422,
      ),
      { kind: 'config', providerCode: '400' },
    ],
    [
      '422/401 signature unconfirmed',
      new Errors.ApiInputError('Sender signature not confirmed', 401, 422),
      { kind: 'config', providerCode: '401' },
    ],
    [
      '422/405 not allowed',
      new Errors.ApiInputError('Not allowed to send', 405, 422),
      { kind: 'provider-unavailable', retryable: false },
    ],
    [
      '422/411 attachment',
      new Errors.ApiInputError('Forbidden attachment type', 411, 422),
      { kind: 'message-rejected', providerCode: '411' },
    ],
    [
      '422/429 rate',
      new Errors.ApiInputError('Rate limit exceeded', 429, 422),
      { kind: 'rate-limited', retryable: true },
    ],
    [
      '422/unknown code',
      new Errors.ApiInputError('Something new', 999, 422),
      { kind: 'message-rejected', providerCode: '999' },
    ],
    [
      '429',
      new Errors.RateLimitExceededError('Rate limit exceeded', 429, 429),
      { kind: 'rate-limited', status: 429, retryable: true },
    ],
    [
      '500',
      new Errors.InternalServerError('Internal Server Error', 0, 500),
      { kind: 'transient', status: 500, retryable: true },
    ],
    [
      '503',
      new Errors.ServiceUnavailablerError('Service Unavailable', 0, 503),
      { kind: 'provider-unavailable', status: 503, retryable: true },
    ],
    [
      '502',
      new Errors.UnknownError('Request returned status code 502', 0, 502),
      { kind: 'transient', status: 502 },
    ],
    [
      '413',
      new Errors.UnknownError('Request returned status code 413', 0, 413),
      { kind: 'message-rejected', status: 413, retryable: false },
    ],
    ['404', new Errors.PostmarkError('Not found', 0, 404), { kind: 'config', status: 404 }],
    [
      'network',
      new Errors.PostmarkError('fetch failed'),
      { kind: 'transient', providerCode: 'ENETWORK', retryable: true },
    ],
  ];
  for (const [label, error, expected] of cases) {
    it(`maps ${label}`, () => {
      const mapped = toPostmarkRelayError(error, ctx);
      expect(mapped).toBeInstanceOf(RelayError);
      expect(mapped).toMatchObject({ provider: 'postmark', ...expected });
      expect(mapped.cause).toBe(error);
      expect(mapped.message).toMatch(/^\[relaykit\] \[postmark\] /u);
    });
  }

  it("maps 406 to recipient-rejected for exactly the listed addresses, in the message's spelling", () => {
    const recipients = new Map([
      ['bad@example.com', 'bad@example.com'],
      ['ok@example.com', 'ok@example.com'],
      ['worse@example.org', 'worse@example.org'],
    ]);
    const mapped = toPostmarkRelayError(new Errors.InactiveRecipientsError(inactive, 406, 422), {
      ...ctx,
      recipients,
    });
    expect(mapped).toMatchObject({
      kind: 'recipient-rejected',
      status: 422,
      providerCode: '406',
      recipients: ['bad@example.com', 'worse@example.org'],
      retryable: false,
    });
  });

  it('a 406 that names nobody is not blamed on every recipient', () => {
    const two = new Map([
      ['a@example.com', 'a@example.com'],
      ['b@example.com', 'b@example.com'],
    ]);
    expect(
      toPostmarkRelayError(new Errors.InactiveRecipientsError('inactive', 406, 422), {
        ...ctx,
        recipients: two,
      }),
    ).toMatchObject({ kind: 'message-rejected', providerCode: '406' });
    const one = new Map([['a@example.com', 'a@example.com']]);
    expect(
      toPostmarkRelayError(new Errors.InactiveRecipientsError('inactive', 406, 422), {
        ...ctx,
        recipients: one,
      }),
    ).toMatchObject({ kind: 'recipient-rejected', recipients: ['a@example.com'] });
  });

  it('uses what the transport saw: the network error code and Retry-After', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const sdkError = new Errors.PostmarkError('fetch failed');
    const mapped = toPostmarkRelayError(sdkError, { ...ctx, transport: { error: refused } });
    expect(mapped).toMatchObject({ kind: 'provider-unavailable', providerCode: 'ECONNREFUSED' });
    expect(mapped.cause).toBe(refused);
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(
      toPostmarkRelayError(new Errors.PostmarkError('aborted'), {
        ...ctx,
        transport: { error: timeout },
      }),
    ).toMatchObject({ kind: 'transient', providerCode: 'ETIMEDOUT' });
    const headers = new Headers({ 'retry-after': '7' });
    expect(
      toPostmarkRelayError(new Errors.RateLimitExceededError('slow down', 429, 429), {
        ...ctx,
        transport: { headers },
      }),
    ).toMatchObject({ kind: 'rate-limited', retryAfterMs: 7000 });
  });

  it('matches errors from another copy of the SDK by shape', () => {
    const foreign = Object.assign(new Error('Invalid token'), {
      name: 'InvalidAPIKeyError',
      code: 10,
      statusCode: 401,
    });
    expect(toPostmarkRelayError(foreign, ctx)).toMatchObject({ kind: 'auth' });
    expect(toPostmarkRelayError(new Error('boom'), ctx)).toMatchObject({ kind: 'transient' });
    const passThrough = new RelayError({ kind: 'invalid', message: 'x' });
    expect(toPostmarkRelayError(passThrough, ctx)).toBe(passThrough);
  });
});

describe('fromErrorCode (batch elements)', () => {
  it('classifies by ErrorCode without an HTTP status', () => {
    expect(fromErrorCode(406, inactive, ctx)).toMatchObject({
      kind: 'recipient-rejected',
      recipients: ['Bad@example.com', 'worse@example.org'],
      status: undefined,
    });
    expect(fromErrorCode(300, 'Invalid email request', ctx)).toMatchObject({
      kind: 'message-rejected',
      providerCode: '300',
    });
    expect(fromErrorCode(10, 'bad token', ctx)).toMatchObject({ kind: 'auth' });
    expect(fromErrorCode(100, 'maintenance', ctx)).toMatchObject({
      kind: 'provider-unavailable',
      retryable: true,
    });
  });
});
