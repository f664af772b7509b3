import { createRelay, type DeliveryEvent } from '@relaykit/core';
import { testingProvider } from '@relaykit/core/testing';
import { beforeEach, expect, it } from 'vitest';
import { passwordResets, type ResetTokens } from './password-reset.ts';

let provider: ReturnType<typeof testingProvider>;
let saved: Array<{ email: string; token: string }>;
let resets: ReturnType<typeof passwordResets>;
let events: DeliveryEvent[];

beforeEach(() => {
  provider = testingProvider();
  const relay = createRelay({ providers: [provider], throttle: false });
  events = [];
  relay.on('event', (e) => events.push(e));
  saved = [];
  const tokens: ResetTokens = { save: async (email, token) => void saved.push({ email, token }) };
  resets = passwordResets({ relay, tokens, baseUrl: 'https://shop.test' });
});

it('mails a link carrying the saved token', async () => {
  expect(await resets.request('ada@example.test')).toBe(true);
  expect(provider.sent).toHaveLength(1);
  const [mail] = provider.sent;
  expect(mail?.to.map((a) => a.address)).toEqual(['ada@example.test']);
  expect(mail?.subject).toBe('Reset your password');
  expect(mail?.text).toContain(`https://shop.test/reset?token=${saved[0]?.token}`);
  expect(mail?.tags).toEqual(['password-reset']);
  await provider.settled();
  expect(events.map((e) => e.type)).toEqual(['accepted', 'delivered']);
});

it('reports false for an address the provider refuses, and never mails it again after it bounced', async () => {
  provider.script({
    recipient: 'gone@example.test',
    outcome: { type: 'bounce', smtp: '550 5.1.1 user unknown' },
  });
  expect(await resets.request('gone@example.test')).toBe(true);
  await provider.settled();
  expect(events.at(-1)).toMatchObject({ type: 'bounced', bounce: { class: 'hard' } });
  // The hard bounce suppressed the address: the second request sends nothing.
  expect(await resets.request('gone@example.test')).toBe(false);
  expect(provider.sent).toHaveLength(1);

  provider.script({
    recipient: 'typo@example.test',
    outcome: { type: 'reject', smtp: '550 5.1.1 no such user' },
  });
  expect(await resets.request('typo@example.test')).toBe(false);
});

it('survives a provider outage: the relay retries', async () => {
  provider.failNext({ type: 'fail', kind: 'transient', status: 502 });
  expect(await resets.request('ada@example.test')).toBe(true);
  expect(provider.calls.map((c) => c.outcome)).toEqual(['fail', 'deliver']);
  // Every attempt carried the same idempotency key, so the provider can drop a duplicate.
  expect(new Set(provider.calls.map((c) => c.idempotencyKey)).size).toBe(1);
});
