import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.ts';
import { mailgun } from './provider.ts';

const base = {
  apiKey: 'key-secret-value',
  domain: 'mg.example.com',
  webhook: { signingKey: 'signing-secret-value' },
};

const configError = (input: unknown) => {
  try {
    resolveOptions(input);
  } catch (error) {
    return error as Error & { kind: string };
  }
  throw new Error('expected a config error');
};

describe('resolveOptions', () => {
  it('applies defaults: US endpoint, a timeout, 5-minute webhook window', () => {
    expect(resolveOptions(base)).toMatchObject({
      name: 'mailgun',
      baseUrl: 'https://api.mailgun.net',
      timeoutMs: 15_000,
      toleranceSeconds: 300,
      messageIdVariable: 'relaykit-message-id',
      batch: true,
      batchConcurrency: 8,
      webhooks: true,
      skipVerification: false,
    });
  });

  it('schedules 3 days ahead by default, up to 7 with schedulingHorizonDays', () => {
    const day = 86_400_000;
    expect(mailgun(base).capabilities).toMatchObject({
      scheduling: true,
      schedulingHorizonMs: 3 * day,
      maxRecipients: 1000,
    });
    expect(mailgun({ ...base, schedulingHorizonDays: 7 }).capabilities.schedulingHorizonMs).toBe(
      7 * day,
    );
    expect(mailgun({ ...base, schedulingHorizonDays: 0 }).capabilities.scheduling).toBe(false);
    expect(configError({ ...base, schedulingHorizonDays: 8 }).message).toMatch(/at most 7 days/u);
  });

  it('picks the EU endpoint by region; baseUrl wins and loses its trailing slash', () => {
    expect(resolveOptions({ ...base, region: 'eu' }).baseUrl).toBe('https://api.eu.mailgun.net');
    expect(
      resolveOptions({ ...base, region: 'eu', baseUrl: 'http://127.0.0.1:4010/' }).baseUrl,
    ).toBe('http://127.0.0.1:4010');
  });

  it.each([
    [{ domain: 'mg.example.com', webhook: { signingKey: 'k' } }, /give apiKey/u],
    [{ apiKey: 'k', webhook: { signingKey: 'k' } }, /domain/u],
    [{ ...base, domain: 'https://mg.example.com/' }, /bare domain/u],
    [{ ...base, region: 'ap' }, /region/u],
    [{ ...base, baseUrl: 'https://api.mailgun.net/v3' }, /without|\/v3/u],
    [{ ...base, url: 'http://127.0.0.1:4010' }, /option url is now called baseUrl/u],
    [{ ...base, timeout: 5000 }, /option timeout is now called timeoutMs/u],
    [{ ...base, concurrency: 2 }, /option concurrency is now called batchConcurrency/u],
    [{ ...base, webhook: { signingKey: undefined } }, /webhook\.signingKey is missing/u],
    [
      { ...base, webhookSigningKey: 'k' },
      /option webhookSigningKey is now called webhook\.signingKey/u,
    ],
    [{ ...base, webhooks: false }, /option webhooks is now called webhook/u],
    [{ ...base, timeoutMs: 0 }, /timeoutMs/u],
    [{ ...base, unknownOption: 1 }, /unknown option/u],
    [{ ...base, client: { messages: { create: () => undefined } } }, /either client/u],
    [{ ...base, apiKey: undefined, client: {} }, /client must be a mailgun.js client/u],
  ])('refuses %j with a config error saying what to do', (input, message) => {
    const error = configError(input);
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/^\[relaykit\] \[mailgun\] /u);
    expect(error.message).not.toContain('secret-value');
  });

  it('allows a send-only provider, or explicitly unverified webhooks, without a signing key', () => {
    expect(
      mailgun({ apiKey: 'k', domain: 'mg.example.com', webhook: false }).webhook,
    ).toBeUndefined();
    expect(
      mailgun({
        apiKey: 'k',
        domain: 'mg.example.com',
        webhook: { dangerouslySkipVerification: true },
      }).webhook,
    ).toBeDefined();
  });

  it('accepts a client the user built (drop-in)', () => {
    const client = {
      messages: {
        create: async () => ({ status: 200, id: '<x@mg>', message: 'Queued. Thank you.' }),
      },
    };
    const provider = mailgun({
      client,
      domain: 'mg.example.com',
      webhook: { signingKey: ['old', 'new'] },
    });
    expect(provider).toMatchObject({
      name: 'mailgun',
      type: 'mailgun',
      capabilities: { maxBatchSize: 1000, idempotency: false, inlineAttachments: true },
    });
  });
});
