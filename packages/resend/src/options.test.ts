import { Resend } from 'resend';
import { relayErrorOf } from '@relaykit/core/testing';
import { describe, expect, it } from 'vitest';
import { decodeWebhookSecret, resolveOptions } from './options.ts';
import { resend } from './provider.ts';

const secret = 'whsec_cmVzZW5kLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODlhYmM=';

const configError = (run: () => unknown) => relayErrorOf('config', run);

describe('resend options', () => {
  it('needs an apiKey or a client', () => {
    expect(configError(() => resolveOptions({ webhook: { secret } })).message).toMatch(
      /apiKey .* or client/u,
    );
  });

  it('refuses a client together with apiKey or baseUrl', () => {
    const client = new Resend('re_test');
    expect(
      configError(() => resolveOptions({ client, apiKey: 're_x', webhook: { secret } })).message,
    ).toMatch(/not both/u);
    expect(
      configError(() =>
        resolveOptions({ client, baseUrl: 'http://127.0.0.1:1', webhook: { secret } }),
      ).message,
    ).toMatch(/not both/u);
  });

  it('refuses the old option names, naming the new ones', () => {
    for (const [old, now] of [
      ['webhookSecret', 'webhook.secret'],
      ['webhooks', 'webhook'],
      ['webhookToleranceSeconds', 'webhook.toleranceSeconds'],
      ['dangerouslySkipWebhookVerification', 'webhook.dangerouslySkipVerification'],
    ] as const) {
      const error = configError(() => resolveOptions({ apiKey: 're_x', webhook: false, [old]: 1 }));
      expect(error.message).toContain(`option ${old} is now called ${now}`);
    }
  });

  it('needs the webhook secret unless webhooks are off or verification is explicitly skipped', () => {
    expect(configError(() => resolveOptions({ apiKey: 're_x' })).message).toMatch(
      /webhook\.secret is missing/u,
    );
    expect(resolveOptions({ apiKey: 're_x', webhook: false }).webhooks).toBe(false);
    expect(
      resolveOptions({ apiKey: 're_x', webhook: { dangerouslySkipVerification: true } })
        .skipVerification,
    ).toBe(true);
    expect(resend({ apiKey: 're_x', webhook: false }).webhook).toBeUndefined();
    expect(resend({ apiKey: 're_x', webhook: { secret } }).webhook).toBeDefined();
  });

  it('decodes whsec_ secrets, and never echoes a bad one', () => {
    expect(decodeWebhookSecret(secret).toString()).toBe('resend-test-secret-0123456789abc');
    expect(decodeWebhookSecret('cmVzZW5kLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODlhYmM=').toString()).toBe(
      'resend-test-secret-0123456789abc',
    );
    const bad = 'whsec_not base64 at all!';
    const error = configError(() =>
      resolveOptions({ apiKey: 're_x', webhook: { secret: ['whsec_YQ==', bad] } }),
    );
    expect(error.message).toContain('webhook.secret[1]');
    expect(error.message).not.toContain('not base64');
    expect(JSON.stringify(error)).not.toContain('not base64');
  });

  it('keeps the api key out of errors', () => {
    const error = configError(() =>
      resolveOptions({ apiKey: 're_secret_value', webhook: { secret }, bogus: 1 }),
    );
    expect(error.message).toMatch(/bogus/u);
    expect(error.message).not.toContain('re_secret_value');
  });

  it('strips a trailing slash from baseUrl and refuses a non-http one', () => {
    expect(
      resolveOptions({
        apiKey: 're_x',
        webhook: { secret },
        baseUrl: 'http://127.0.0.1:4010/resend/',
      }).baseUrl,
    ).toBe('http://127.0.0.1:4010/resend');
    configError(() => resolveOptions({ apiKey: 're_x', webhook: { secret }, baseUrl: 'ftp://x' }));
  });

  it('defaults name, tolerance and the message-id tag', () => {
    const o = resolveOptions({ apiKey: 're_x', webhook: { secret } });
    expect(o).toMatchObject({
      name: 'resend',
      webhookToleranceSeconds: 300,
      splitRecipients: false,
      messageIdTag: 'relaykit_message_id',
    });
    configError(() =>
      resolveOptions({ apiKey: 're_x', webhook: { secret }, messageIdTag: 'bad tag' }),
    );
  });

  it('builds a provider with honest capabilities', () => {
    const p = resend({ apiKey: 're_x', webhook: { secret }, name: 'resend-eu' });
    expect(p).toMatchObject({
      name: 'resend-eu',
      type: 'resend',
      capabilities: {
        maxBatchSize: 100,
        idempotency: true,
        scheduling: true,
        inlineAttachments: true,
        maxRecipients: 50,
        // The throttle starts from the team limit of 2 requests/s.
        accountRate: { rate: 2, burst: 2 },
      },
    });
  });
});
