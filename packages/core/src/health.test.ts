import { describe, expect, it } from 'vitest';
import { createHealthGuard, createRelay, type HealthAlert } from './index.ts';
import { testEvent as ev, testingProvider } from './testing/index.ts';

const base = { from: 'Shop <orders@mail.shop.test>', subject: 'Your order', text: 'Thanks!' };
const hard = () => ev('bounced', { bounce: { class: 'hard', category: 'unknown-user' } });

describe('createHealthGuard', () => {
  it('counts nothing below the minimum volume', () => {
    const alerts: HealthAlert[] = [];
    const guard = createHealthGuard({ onAlert: (a) => alerts.push(a) });
    guard.recordSend?.('mail.shop.test', 'ses', 100);
    for (let i = 0; i < 50; i += 1) guard.handle?.(hard());
    expect(alerts).toEqual([]);
    expect(guard.blocked('mail.shop.test', 'ses')).toBeUndefined();
  });

  it('warns once at 5% hard bounces and pauses the domain on every provider at 10%, until resumed', () => {
    const alerts: HealthAlert[] = [];
    const guard = createHealthGuard({ onAlert: (a) => alerts.push(a) });
    guard.recordSend?.('mail.shop.test', 'ses', 1000);
    for (let i = 0; i < 60; i += 1) guard.handle?.(hard());
    expect(alerts.map((a) => a.type)).toEqual(['health-warning']);
    expect(alerts[0]).toMatchObject({
      domain: 'mail.shop.test',
      provider: 'ses',
      metric: 'bounce',
      threshold: 0.05,
    });
    for (let i = 0; i < 40; i += 1) guard.handle?.(hard());
    expect(alerts.map((a) => a.type)).toEqual(['health-warning', 'health-paused']);
    expect(guard.blocked('mail.shop.test', 'postmark')).toMatch(
      /bounce rate 10\.00% over 1000 sends through ses/u,
    );
    expect(guard.blocked('other.shop.test', 'ses')).toBeUndefined();
    guard.resume('mail.shop.test');
    expect(guard.blocked('mail.shop.test', 'ses')).toBeUndefined();
    expect(alerts.at(-1)?.type).toBe('health-resumed');
    expect(guard.status('mail.shop.test')).toEqual([]);
  });

  it("warns at 0.1% complaints and pauses at 0.3%, the mailbox providers' spam-rate ceiling; provider-suppressed bounces do not count", () => {
    const alerts: HealthAlert[] = [];
    const guard = createHealthGuard({ onAlert: (a) => alerts.push(a) });
    guard.recordSend?.('mail.shop.test', 'ses', 1000);
    for (let i = 0; i < 200; i += 1)
      guard.handle?.(ev('bounced', { bounce: { class: 'hard', category: 'suppressed' } }));
    expect(guard.blocked('mail.shop.test')).toBeUndefined();
    guard.handle?.(ev('complained'));
    expect(alerts).toMatchObject([
      { type: 'health-warning', metric: 'complaint', threshold: 0.001 },
    ]);
    guard.handle?.(ev('complained'));
    expect(guard.blocked('mail.shop.test')).toBeUndefined();
    guard.handle?.(ev('complained'));
    expect(guard.blocked('mail.shop.test')).toMatch(/complaint rate 0\.30%/u);
  });

  it('counts a complaint the provider could not attribute once per message, not once per recipient', () => {
    const guard = createHealthGuard();
    guard.recordSend?.('mail.shop.test', 'resend', 1000);
    const unattributed = (message: string) =>
      ev('complained', {
        provider: 'resend',
        providerMessageId: message,
        bounce: { class: 'undetermined', category: 'unattributed' },
      });
    // One complaint on a 10-recipient message arrives as 10 unattributed events.
    for (let m = 0; m < 2; m += 1)
      for (let r = 0; r < 10; r += 1) guard.handle?.(unattributed(`msg-${m}`));
    expect(guard.status('mail.shop.test')[0]?.complaints).toBe(2);
    expect(guard.blocked('mail.shop.test')).toBeUndefined();
    guard.handle?.(unattributed('msg-2'));
    expect(guard.blocked('mail.shop.test')).toMatch(/complaint rate 0\.30%/u);
  });

  it('rates roll: sends and bounces older than the window fall away', () => {
    let now = Date.parse('2025-03-01T00:00:00Z');
    const guard = createHealthGuard({ now: () => now, windowMs: 7 * 24 * 60 * 60 * 1000 });
    guard.recordSend?.('mail.shop.test', 'ses', 1000);
    for (let i = 0; i < 90; i += 1) guard.handle?.(hard());
    now += 8 * 24 * 60 * 60 * 1000;
    guard.recordSend?.('mail.shop.test', 'ses', 300);
    guard.handle?.(hard());
    expect(guard.status('mail.shop.test')[0]).toMatchObject({ sends: 300, bounces: 1 });
    expect(guard.blocked('mail.shop.test')).toBeUndefined();
  });

  it('is on by default in createRelay: a paused domain is refused before any provider call, and alerts reach relay.on("alert")', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider] });
    const alerts: string[] = [];
    relay.on('alert', (a) => alerts.push(a.type));
    relay.guard?.recordSend?.('mail.shop.test', 'testing', 200);
    await relay.ingest(Array.from({ length: 20 }, () => ({ ...hard(), provider: 'testing' })));
    expect(alerts).toContain('health-paused');
    await expect(relay.send({ ...base, to: 'a@x.test' })).rejects.toMatchObject({
      kind: 'provider-unavailable',
      message: expect.stringMatching(/sending from mail\.shop\.test is paused/u),
    });
    expect(provider.calls).toHaveLength(0);
    relay.guard?.resume?.('mail.shop.test');
    expect((await relay.send({ ...base, to: 'a@x.test' })).status).toBe('sent');
  });

  it("holds each provider to the thresholds it declares (Provider.accountHealth); a user's setting wins", async () => {
    const strict = Object.assign(testingProvider({ name: 'strict' }), {
      accountHealth: { bounceRate: { warn: 0.01, pause: 0.02 } },
    });
    const relay = createRelay({ providers: [strict] });
    relay.guard?.recordSend?.('mail.shop.test', 'strict', 200);
    await relay.ingest(Array.from({ length: 4 }, () => ({ ...hard(), provider: 'strict' })));
    expect(await relay.guard?.blocked('mail.shop.test')).toMatch(/bounce rate 2\.00%/u);

    const guard = createHealthGuard({ bounceRate: { warn: 0.5, pause: 0.6 } });
    guard.attach({ providers: [strict] });
    guard.recordSend?.('mail.shop.test', 'strict', 200);
    for (let i = 0; i < 4; i += 1) guard.handle?.({ ...hard(), provider: 'strict' });
    expect(guard.blocked('mail.shop.test')).toBeUndefined();
    // A provider that declares none is held to the defaults: 2% is below the 5% warning.
    const plain = createHealthGuard();
    plain.attach({ providers: [strict, testingProvider()] });
    plain.recordSend?.('mail.shop.test', 'testing', 200);
    for (let i = 0; i < 4; i += 1) plain.handle?.({ ...hard(), provider: 'testing' });
    expect(plain.blocked('mail.shop.test')).toBeUndefined();
  });

  it('guard: false turns it off', async () => {
    const relay = createRelay({ providers: [testingProvider()], guard: false });
    expect(relay.guard).toBeUndefined();
  });
});
