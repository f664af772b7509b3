import { createHealthGuard, type HealthAlert } from '@relaykit/core';
import { testEvent as ev } from '@relaykit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ses } from './provider.ts';

const provider = ses({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
  webhook: false,
  accountLimits: false,
});
afterAll(() => provider.close?.());

const hard = () => ev('bounced', { bounce: { class: 'hard', category: 'unknown-user' } });

function guarded(alerts: HealthAlert[] = []) {
  const guard = createHealthGuard({ onAlert: (a) => alerts.push(a) });
  guard.attach({ providers: [provider] });
  return guard;
}

describe('SES account health (provider.accountHealth)', () => {
  it('warns at SES review rate of 5% hard bounces and pauses the domain at 10%', () => {
    const alerts: HealthAlert[] = [];
    const guard = guarded(alerts);
    guard.recordSend?.('mail.shop.test', 'ses', 1000);
    for (let i = 0; i < 60; i += 1) guard.handle?.(hard());
    expect(alerts.map((a) => a.type)).toEqual(['health-warning']);
    expect(alerts[0]).toMatchObject({ provider: 'ses', metric: 'bounce', threshold: 0.05 });
    for (let i = 0; i < 40; i += 1) guard.handle?.(hard());
    expect(alerts.at(-1)).toMatchObject({ type: 'health-paused', threshold: 0.1 });
    expect(guard.blocked('mail.shop.test', 'postmark')).toMatch(
      /bounce rate 10\.00% over 1000 sends through ses/u,
    );
  });

  it('warns at 0.1% complaints and pauses at 0.5%; SES-suppressed bounces do not count', () => {
    const alerts: HealthAlert[] = [];
    const guard = guarded(alerts);
    guard.recordSend?.('mail.shop.test', 'ses', 1000);
    for (let i = 0; i < 200; i += 1)
      guard.handle?.(ev('bounced', { bounce: { class: 'hard', category: 'suppressed' } }));
    guard.handle?.(ev('complained'));
    expect(alerts).toMatchObject([
      { type: 'health-warning', metric: 'complaint', threshold: 0.001 },
    ]);
    for (let i = 0; i < 4; i += 1) guard.handle?.(ev('complained'));
    expect(guard.blocked('mail.shop.test')).toMatch(/complaint rate 0\.50%/u);
  });
});
