import { describe, expect, it } from 'vitest';
import {
  createRelay,
  createThrottle as createThrottleFor,
  memoryRateStore,
  RelayError,
  type DeliveryEvent,
  type MxResolver,
  type RateStore,
  type ThrottleEvent,
  type ThrottleOptions,
} from '../index.ts';
import { testingProvider } from '../testing/index.ts';

const base = { from: 'Shop <orders@mail.shop.test>', subject: 'Your order', text: 'Thanks!' };

const mxTable: Record<string, string[]> = {
  'acme.com': ['aspmx.l.google.com', 'alt1.aspmx.l.google.com'],
  'contoso.com': ['contoso-com.mail.protection.outlook.com'],
  'mixed.com': ['aspmx.l.google.com', 'mx.mixed.com'],
  'small.org': ['mx1.small.org'],
};

function fakeDns() {
  const calls: string[] = [];
  const resolver: MxResolver = async (domain) => {
    calls.push(domain);
    const hosts = mxTable[domain];
    if (!hosts)
      throw Object.assign(new Error(`queryMx ENOTFOUND ${domain}`), { code: 'ENOTFOUND' });
    return hosts.map((exchange, priority) => ({ exchange, priority }));
  };
  return { resolver, calls };
}

/** A clock that only moves when the throttle sleeps (or the test says so). */
function manualClock() {
  const clock = { t: Date.now(), slept: [] as number[] };
  return {
    clock,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms;
    },
  };
}

function deferral(
  recipient: string,
  smtp: { smtpStatus: number; enhancedStatus: string; diagnostic: string },
  id: string,
): DeliveryEvent {
  return {
    id,
    type: 'deferred',
    provider: 'testing',
    recipient,
    at: new Date(),
    bounce: { class: 'soft', category: 'rate-limit', ...smtp },
    tags: [],
    metadata: {},
    raw: null,
  };
}

/**
 * Without a store of the user's, the buckets live on the throttle's budgets (takeLocal, and the
 * one-recipient quick path); with one, every take goes through the RateStore. Both run the same
 * tests, so the shortcut cannot drift from the path it shortcuts.
 */
const bucketModes: ReadonlyArray<[string, () => Pick<ThrottleOptions, 'store'>]> = [
  ['on its budgets (no store given)', () => ({})],
  ['through a RateStore (memoryRateStore)', () => ({ store: memoryRateStore() })],
];

describe.each(bucketModes)('createThrottle through the relay, buckets %s', (_mode, storeOf) => {
  const createThrottle = (options: ThrottleOptions = {}) =>
    createThrottleFor({ ...storeOf(), ...options });

  it('puts a Google Workspace domain (MX aspmx.l.google.com) and gmail.com on one budget', async () => {
    const dns = fakeDns();
    const { clock, now, sleep } = manualClock();
    const throttle = createThrottle({
      mx: { resolver: dns.resolver },
      profiles: { google: { rate: 2, burst: 2 } },
      now,
      sleep,
    });
    const relay = createRelay({ providers: [testingProvider()], throttle });
    expect(await throttle.profileOf('acme.com')).toBe('google');
    expect(await throttle.profileOf('gmail.com')).toBe('google');
    expect(await throttle.profileOf('mixed.com')).toBe('mixed.com');
    expect(await throttle.profileOf('small.org')).toBe('small.org');
    expect(dns.calls).not.toContain('gmail.com');

    await relay.send({ ...base, to: 'a@gmail.com' });
    await relay.send({ ...base, to: 'b@acme.com' });
    expect(clock.slept).toEqual([]);
    // The burst of two is spent by gmail.com and acme.com together: the third waits half a second.
    await relay.send({ ...base, to: 'c@acme.com' });
    expect(clock.slept).toEqual([500]);
    // Another profile is not held up by Google's budget.
    await relay.send({ ...base, to: 'd@small.org' });
    expect(clock.slept).toEqual([500]);
  });

  it('holds one-recipient sends to a provider account cap, and to the domain cap beside it', async () => {
    const { clock, now, sleep } = manualClock();
    const provider = testingProvider({ events: false });
    const throttle = createThrottle({
      accounts: { testing: { rate: 2, burst: 2 } },
      profiles: { other: { rate: 4, burst: 4 }, slow: { rate: 1, burst: 1 } },
      mx: { domains: { 'x.test': 'other', 'slow.test': 'slow' } },
      now,
      sleep,
    });
    const relay = createRelay({ providers: [provider], throttle, retry: { maxTimeMs: 300 } });
    // The first send to a domain learns its profile; the later ones are the common send.
    await relay.send({ ...base, to: 'a@x.test' });
    await relay.send({ ...base, to: 'b@x.test' });
    expect(clock.slept).toEqual([]);
    // The account's burst of two is spent: a token in half a second, past the 300 ms deadline.
    const error = await relay.send({ ...base, to: 'c@x.test' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 500 });
    expect(String((error as Error).message)).toMatch(/a:testing/u);
    // A quarter second on, the wait is within the deadline: the send waits for the account.
    clock.t += 250;
    await relay.send({ ...base, to: 'd@x.test' });
    expect(clock.slept).toEqual([250]);
    // With the account refilled, a domain of 1/s holds its second send for a second.
    clock.t += 5000;
    await relay.send({ ...base, to: 'e@slow.test' });
    const relaxed = createRelay({ providers: [provider], throttle, retry: { maxTimeMs: 5000 } });
    await relaxed.send({ ...base, to: 'f@slow.test' });
    expect(clock.slept).toEqual([250, 1000]);
    expect(provider.calls).toHaveLength(5);
  });

  it("fails a send 'rate-limited' with retryAfterMs when no token comes before its deadline, without waiting", async () => {
    const { clock, now, sleep } = manualClock();
    const provider = testingProvider();
    const throttle = createThrottle({
      mx: { resolver: fakeDns().resolver },
      profiles: { google: { rate: 1, burst: 1 } },
      now,
      sleep,
    });
    const relay = createRelay({ providers: [provider], throttle, retry: { maxTimeMs: 200 } });
    await relay.send({ ...base, to: 'a@gmail.com' });
    const error = await relay.send({ ...base, to: 'b@acme.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(clock.slept).toEqual([]);
    expect(provider.calls).toHaveLength(1);
  });

  it('cuts one profile on a burst of slow-down deferrals, leaves the others, and recovers after quiet success', async () => {
    const { clock, now, sleep } = manualClock();
    const throttle = createThrottle({
      mx: { resolver: fakeDns().resolver },
      profiles: { microsoft: { rate: 100 }, google: { rate: 100 } },
      now,
      sleep,
    });
    const relay = createRelay({ providers: [testingProvider({ events: false })], throttle });
    const events: ThrottleEvent[] = [];
    relay.on('throttle', (e) => events.push(e));
    await relay.send({ ...base, to: ['a@contoso.com', 'b@gmail.com'] });

    const busy = {
      smtpStatus: 451,
      enhancedStatus: '4.7.500',
      diagnostic: 'Server busy. Please try again later from [203.0.113.9]',
    };
    await relay.ingest(
      Array.from({ length: 20 }, (_, i) => deferral(`u${i}@contoso.com`, busy, `d${i}`)),
    );
    // One burst is one signal: a single cut, with its reason.
    expect(events).toEqual([
      expect.objectContaining({
        type: 'decrease',
        scope: 'profile',
        key: 'microsoft',
        from: 100,
        to: 50,
        reason: expect.stringMatching(/4\.7\.500/u),
      }),
    ]);
    const rates = () => Object.fromEntries(throttle.budgets().map((b) => [b.key, b.rate]));
    expect(rates()).toMatchObject({ microsoft: 50, google: 100 });

    clock.t += 6000;
    await relay.ingest([deferral('x@contoso.com', busy, 'd-later')]);
    expect(rates()).toMatchObject({ microsoft: 25, google: 100 });

    // Quiet success: additive increase every 5 s once 30 s passed without a slow-down signal.
    for (let i = 0; i < 20; i += 1) {
      clock.t += 5000;
      await relay.send({ ...base, to: `ok${i}@contoso.com` });
    }
    expect(rates()).toMatchObject({ microsoft: 100, google: 100 });
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'increase').length).toBeGreaterThanOrEqual(5);
    expect(types.at(-1)).toBe('restore');
    expect(events.every((e) => e.reason.length > 0 && e.key === 'microsoft')).toBe(true);
  });

  it('pauses Gmail for 10 minutes on 4.7.28, failing sends fast meanwhile, then resumes at the reduced rate', async () => {
    const { clock, now, sleep } = manualClock();
    const throttle = createThrottle({ mx: { resolver: fakeDns().resolver }, now, sleep });
    const relay = createRelay({ providers: [testingProvider({ events: false })], throttle });
    const events: ThrottleEvent[] = [];
    relay.on('throttle', (e) => events.push(e));
    for (let i = 0; i < 10; i += 1) await relay.send({ ...base, to: `u${i}@gmail.com` });
    await relay.ingest([
      deferral(
        'u1@gmail.com',
        {
          smtpStatus: 421,
          enhancedStatus: '4.7.28',
          diagnostic: 'Our system has detected an unusual rate of unsolicited mail',
        },
        'g1',
      ),
    ]);
    expect(events[0]).toMatchObject({
      type: 'pause',
      key: 'google',
      from: Number.POSITIVE_INFINITY,
      to: 5,
      until: clock.t + 600_000,
    });
    await expect(relay.send({ ...base, to: 'v@acme.com' })).rejects.toMatchObject({
      kind: 'rate-limited',
    });
    expect(await relay.send({ ...base, to: 'v@contoso.com' })).toMatchObject({ status: 'sent' });

    clock.t += 600_000;
    await relay.send({ ...base, to: 'w@gmail.com' });
    // Resumed at half the pace it had (10/s observed), then the ramp begins on quiet success.
    expect(events.map((e) => e.type)).toEqual(['pause', 'resume', 'increase']);
    expect(throttle.budgets().find((b) => b.key === 'google')?.rate).toBe(6);
  });

  it('pauses the provider account for Retry-After on a 429 and tightens it', async () => {
    const { now, sleep } = manualClock();
    const provider = testingProvider();
    provider.failNext({ type: 'rate-limited', retryAfterMs: 20 });
    const events: ThrottleEvent[] = [];
    const throttle = createThrottle({ now, sleep, onEvent: (e) => events.push(e) });
    const relay = createRelay({
      providers: [provider],
      throttle,
      retry: { minDelayMs: 1, maxDelayMs: 2 },
    });
    await relay.send({ ...base, to: 'a@x.test' });
    expect(events[0]).toMatchObject({
      type: 'pause',
      scope: 'account',
      key: 'testing',
      reason: expect.stringMatching(/429/u),
    });
  });

  it('seeds the account budget from the provider (SES GetAccount MaxSendRate), in the unit it declares', async () => {
    const { clock, now, sleep } = manualClock();
    // As the SES adapter declares it: its send rate counts recipients.
    const provider = Object.assign(
      testingProvider({
        name: 'ses-eu',
        events: false,
        capabilities: { rateUnit: 'recipients' },
      }),
      { accountLimits: async () => ({ maxSendRate: 2 }) },
    );
    const throttle = createThrottle({ now, sleep });
    const relay = createRelay({ providers: [provider], throttle });
    const events: ThrottleEvent[] = [];
    relay.on('throttle', (e) => events.push(e));
    await relay.send({ ...base, to: ['a@x.test', 'b@y.test'] });
    expect(events).toEqual([
      expect.objectContaining({ type: 'seed', scope: 'account', key: 'ses-eu', to: 2 }),
    ]);
    // SES counts recipients: two more wait a second.
    await relay.send({ ...base, to: ['c@x.test', 'd@y.test'] });
    expect(clock.slept).toEqual([1000]);
  });

  it('counts requests for a provider that declares no unit, and starts from its declared rate', async () => {
    const { clock, now, sleep } = manualClock();
    const provider = testingProvider({
      name: 'api',
      events: false,
      capabilities: { accountRate: { rate: 1, burst: 1 } },
    });
    const relay = createRelay({ providers: [provider], throttle: createThrottle({ now, sleep }) });
    // Two recipients are one request: the first send takes the one token without waiting.
    await relay.send({ ...base, to: ['a@x.test', 'b@y.test'] });
    expect(clock.slept).toEqual([]);
    await relay.send({ ...base, to: ['c@x.test', 'd@y.test'] });
    expect(clock.slept).toEqual([1000]);
  });

  it('lets a send go on the domain of its own when the MX lookup is slow or fails', async () => {
    const { now, sleep } = manualClock();
    let release: () => void = () => undefined;
    const resolver: MxResolver = (domain) =>
      domain === 'slow.com'
        ? new Promise(
            (resolve) =>
              (release = () => resolve([{ exchange: 'aspmx.l.google.com', priority: 1 }])),
          )
        : Promise.reject(new Error('SERVFAIL'));
    const throttle = createThrottle({ mx: { resolver }, lookupBudgetMs: 20, now, sleep });
    const relay = createRelay({ providers: [testingProvider({ events: false })], throttle });
    expect(await relay.send({ ...base, to: 'a@slow.com' })).toMatchObject({ status: 'sent' });
    expect(await relay.send({ ...base, to: 'a@broken.com' })).toMatchObject({ status: 'sent' });
    release();
    expect(await throttle.profileOf('slow.com')).toBe('google');
    expect(await throttle.profileOf('broken.com')).toBe('broken.com');
  });

  it('stops waiting when the signal aborts', async () => {
    const throttle = createThrottle({ profiles: { other: { rate: 1, burst: 1 } } });
    await throttle.acquire({
      provider: 'p',
      recipients: ['a@x.test'],
      deadline: Date.now() + 10_000,
    });
    const controller = new AbortController();
    const waiting = throttle.acquire({
      provider: 'p',
      recipients: ['b@x.test'],
      deadline: Date.now() + 10_000,
      signal: controller.signal,
    });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });

  it('is on by default in createRelay and off with throttle: false', async () => {
    const on = createRelay({
      providers: [testingProvider({ events: false })],
      retry: { maxTimeMs: 50 },
    });
    const off = createRelay({
      providers: [testingProvider({ events: false })],
      throttle: false,
      retry: { maxTimeMs: 50 },
    });
    // All at once, one message at a time through the pipeline, so the takes come together.
    const burst = (relay: typeof on) =>
      relay.sendBatch(
        Array.from({ length: 300 }, (_, i) => ({ ...base, to: `u${i}@one.test` })),
        { providerBatches: false, concurrency: 300 },
      );
    // 'other' domains default to 100/s with a burst of 100 (KumoMTA's default max_message_rate).
    expect(
      (await burst(on)).filter((r) => !r.ok && r.error.kind === 'rate-limited').length,
    ).toBeGreaterThan(0);
    expect((await burst(off)).every((r) => r.ok)).toBe(true);
  });
});

describe('where the buckets live', () => {
  const createThrottle = createThrottleFor;
  const limited = { profiles: { other: { rate: 1, burst: 1 } } };
  const acquire = (throttle: ReturnType<typeof createThrottle>, recipients: string[]) =>
    throttle.acquire({ provider: 'p', recipients, deadline: Date.now() + 50 });

  it('draws one- and many-recipient sends from the same bucket', async () => {
    const { clock, now, sleep } = manualClock();
    const throttle = createThrottle({ profiles: { other: { rate: 2, burst: 2 } }, now, sleep });
    await acquire(throttle, ['a@x.test']);
    clock.t += 1000;
    // The domain is known now: a one-recipient send takes the short way, a two-recipient one the
    // general way; both see the token the other took.
    await acquire(throttle, ['b@x.test']);
    await expect(acquire(throttle, ['c@x.test', 'd@x.test'])).rejects.toMatchObject({
      kind: 'rate-limited',
    });
    clock.t += 2000;
    await acquire(throttle, ['c@x.test', 'd@x.test']);
    await expect(acquire(throttle, ['e@x.test'])).rejects.toMatchObject({ kind: 'rate-limited' });
  });

  it.each([
    ['a synchronous store', false],
    ['an asynchronous store', true],
  ])('keeps the limit in %s the user gives', async (_, later) => {
    const inner = memoryRateStore();
    const store: RateStore = {
      take: (buckets, at, maxWaitMs) => {
        const grant = inner.take(buckets, at, maxWaitMs);
        return later ? Promise.resolve(grant) : grant;
      },
    };
    const throttle = createThrottle({ ...limited, store });
    await acquire(throttle, ['a@x.test']);
    await expect(acquire(throttle, ['b@x.test'])).rejects.toMatchObject({ kind: 'rate-limited' });
    await expect(acquire(throttle, ['c@x.test', 'd@x.test'])).rejects.toMatchObject({
      kind: 'rate-limited',
    });
    expect(inner.size).toBe(1);
  });

  it('follows a changed MX answer once the cached one goes stale', async () => {
    const { clock, now, sleep } = manualClock();
    let hosts = ['mx1.moving.org'];
    const throttle = createThrottle({
      ...limited,
      mx: { resolver: async () => hosts.map((exchange) => ({ exchange })), ttlMs: 1000 },
      now,
      sleep,
    });
    await acquire(throttle, ['a@moving.org']);
    await expect(acquire(throttle, ['b@moving.org'])).rejects.toMatchObject({
      kind: 'rate-limited',
    });
    hosts = ['aspmx.l.google.com'];
    clock.t += 1500;
    // Stale: answered from the cache while a fresh lookup runs.
    await acquire(throttle, ['c@moving.org']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock.t += 1500;
    for (let i = 0; i < 5; i += 1) await acquire(throttle, [`d${i}@moving.org`]);
    expect(await throttle.profileOf('moving.org')).toBe('google');
  });
});
