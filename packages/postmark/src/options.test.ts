import { ServerClient } from 'postmark';
import { relayErrorOf } from '@relaykit/core/testing';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.ts';

const configError = (fn: () => unknown) => relayErrorOf('config', fn);

describe('resolveOptions', () => {
  it('applies defaults', () => {
    const o = resolveOptions({ serverToken: 'tok' });
    expect(o).toMatchObject({
      name: 'postmark',
      messageStream: 'outbound',
      messageStreams: {},
      timeoutMs: 15_000,
    });
    expect(o.webhook).toBeUndefined();
    expect(resolveOptions({ serverToken: 'tok', webhook: false }).webhook).toBeUndefined();
  });

  it('accepts a ServerClient instead of a token', () => {
    const client = new ServerClient('tok');
    expect(resolveOptions({ client }).client).toBe(client);
  });

  it('needs a token or a client', () => {
    expect(configError(() => resolveOptions({})).message).toMatch(/serverToken .* or client/u);
  });

  it('refuses unknown options and bad values, naming the option', () => {
    expect(
      configError(() => resolveOptions({ serverToken: 't', trackLinks: 'Always' })).message,
    ).toMatch(/trackLinks/u);
    expect(
      configError(() => resolveOptions({ serverToken: 't', servertoken: 'x' })).message,
    ).toMatch(/unknown option\(s\) servertoken/u);
    expect(configError(() => resolveOptions({ client: { send: () => 1 } })).message).toMatch(
      /client: must be a postmark ServerClient/u,
    );
    expect(
      configError(() => resolveOptions({ serverToken: 't', baseUrl: 'ftp://x' })).message,
    ).toMatch(/baseUrl/u);
  });

  it('never echoes a secret in an error', () => {
    const error = configError(() =>
      resolveOptions({
        serverToken: 'sekret-token-123',
        webhook: { basicAuth: { username: 'a:b', password: 'sekret-pass-456' } },
      }),
    );
    expect(error.message).not.toMatch(/sekret/u);
    expect(JSON.stringify(error.toJSON())).not.toMatch(/sekret/u);
  });

  it('requires webhook credentials unless verification is explicitly skipped', () => {
    expect(configError(() => resolveOptions({ serverToken: 't', webhook: {} })).message).toMatch(
      /basicAuth .* or secretHeader/u,
    );
    expect(
      resolveOptions({ serverToken: 't', webhook: { dangerouslySkipVerification: true } }).webhook,
    ).toEqual({ skip: true });
    configError(() =>
      resolveOptions({
        serverToken: 't',
        webhook: { dangerouslySkipVerification: true, secretHeader: { value: 'x' } },
      }),
    );
  });

  it('resolves webhook credentials with the default header name', () => {
    const o = resolveOptions({
      serverToken: 't',
      webhook: { basicAuth: { username: 'u', password: 'p' }, secretHeader: { value: 's' } },
    });
    expect(o.webhook).toEqual({
      skip: false,
      basic: { username: 'u', password: 'p' },
      header: { name: 'X-Relaykit-Webhook-Secret', value: 's' },
    });
  });
});
