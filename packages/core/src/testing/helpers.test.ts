import { describe, expect, it } from 'vitest';
import { RelayError } from '../errors.ts';
import {
  assertSoundWebhookResult,
  fullTestMessage,
  relayErrorOf,
  testMessage,
  unlessInvalid,
  webhookContext,
  webhookRequest,
} from './index.ts';

const invalid = () => {
  throw new RelayError({ kind: 'invalid', message: 'bad body' });
};

describe('adapter test helpers', () => {
  it('relayErrorOf returns the error of the kind asked for, and fails on anything else', () => {
    expect(relayErrorOf('invalid', invalid).message).toContain('bad body');
    expect(() => relayErrorOf('auth', invalid)).toThrow(
      /kind 'auth', got a RelayError of kind 'invalid'/u,
    );
    expect(() => relayErrorOf('auth', () => 1)).toThrow(/nothing was thrown/u);
    expect(() =>
      relayErrorOf('auth', () => {
        throw new TypeError('boom');
      }),
    ).toThrow(/TypeError: boom/u);
  });

  it('unlessInvalid passes a result, maps a refusal to undefined and rethrows a crash', () => {
    expect(unlessInvalid(() => [1])).toEqual([1]);
    expect(unlessInvalid(invalid)).toBeUndefined();
    expect(() =>
      unlessInvalid(() => {
        throw new TypeError('crash');
      }),
    ).toThrow(TypeError);
  });

  it('webhookContext remembers keys only when asked; webhookRequest posts JSON by default', async () => {
    const fresh = webhookContext({ now: 5 });
    expect(fresh.now()).toBe(5);
    expect([await fresh.remember('k', 1), await fresh.remember('k', 1)]).toEqual([true, true]);
    const replays = webhookContext({ remember: true });
    expect([await replays.remember('k', 1), await replays.remember('k', 1)]).toEqual([true, false]);
    const request = webhookRequest('ses', '{}', { 'x-a': '1' });
    expect(request.url).toBe('http://localhost/webhooks/ses');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.headers.get('x-a')).toBe('1');
  });

  it('assertSoundWebhookResult names the faults of a broken result', async () => {
    expect(() => assertSoundWebhookResult({ events: [] })).not.toThrow();
    expect(() => assertSoundWebhookResult({ events: 'x' } as unknown as { events: [] })).toThrow(
      /events is not an array/u,
    );
    expect((await testMessage({ subject: 'S' })).subject).toBe('S');
  });

  it('fullTestMessage sets every optional field an adapter maps, under the given values', async () => {
    const full = await fullTestMessage({ bcc: 'x@example.net' });
    expect(full.to).toHaveLength(2);
    for (const list of [full.cc, full.replyTo, full.tags, full.attachments])
      expect(list.length).toBeGreaterThan(0);
    expect(full).toMatchObject({
      html: expect.any(String),
      headers: expect.any(Object),
      metadata: expect.any(Object),
      stream: expect.any(String),
      listUnsubscribe: expect.any(Object),
    });
    expect(full.attachments.some((a) => a.cid !== undefined)).toBe(true);
    expect(full.bcc.map((a) => a.address)).toEqual(['x@example.net']);
  });
});
