import Bottleneck from 'bottleneck';
import { describe, expect, it } from 'vitest';
import { bottleneckLimiter, createThrottle } from '../index.ts';

describe('bottleneckLimiter', () => {
  it("gates a profile through the user's Bottleneck, and fails past the deadline", async () => {
    const bottleneck = new Bottleneck({ maxConcurrent: 1, minTime: 100 });
    const throttle = createThrottle({
      profiles: {
        other: { rate: Number.POSITIVE_INFINITY, limiter: bottleneckLimiter(bottleneck) },
      },
    });
    const started = Date.now();
    await throttle.acquire({
      provider: 'p',
      recipients: ['a@x.test'],
      deadline: Date.now() + 5000,
    });
    await throttle.acquire({
      provider: 'p',
      recipients: ['b@x.test'],
      deadline: Date.now() + 5000,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await throttle.acquire({
      provider: 'p',
      recipients: ['c@x.test'],
      deadline: Date.now() + 5000,
    });
    await expect(
      throttle.acquire({ provider: 'p', recipients: ['d@x.test'], deadline: Date.now() + 10 }),
    ).rejects.toMatchObject({ kind: 'rate-limited' });
    await bottleneck.stop({ dropWaitingJobs: false });
  });

  it('uses one limiter per key from a Bottleneck.Group', async () => {
    const group = new Bottleneck.Group({ maxConcurrent: 1, minTime: 1000 });
    const throttle = createThrottle({ limiter: bottleneckLimiter(group) });
    await throttle.acquire({
      provider: 'p1',
      recipients: ['a@one.test'],
      deadline: Date.now() + 50,
    });
    await throttle.acquire({
      provider: 'p2',
      recipients: ['a@two.test'],
      deadline: Date.now() + 50,
    });
    // Every budget, profiles and accounts alike, gets its own limiter.
    expect(group.keys().sort()).toEqual([
      'relaykit:rate:a:p1',
      'relaykit:rate:a:p2',
      'relaykit:rate:p:one.test',
      'relaykit:rate:p:two.test',
    ]);
    await Promise.all(
      group.limiters().map(({ limiter }) => limiter.stop({ dropWaitingJobs: false })),
    );
  });
});
