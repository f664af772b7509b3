import { describe, expect, it } from 'vitest';
import { createRelay, memoryOutbox, RelayError } from './index.ts';
import { testingProvider } from './testing/index.ts';

const base = { from: 'Shop <orders@mail.shop.test>', subject: 'Your order', text: 'Thanks!' };
const fast = { minDelayMs: 1, maxDelayMs: 5 };
const hour = 60 * 60 * 1000;
const day = 24 * hour;

async function refusal(promise: Promise<unknown>): Promise<RelayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayError);
  return error as RelayError;
}

const scheduler = (name: string, horizonMs: number) =>
  testingProvider({
    name,
    capabilities: { scheduling: true, schedulingHorizonMs: horizonMs },
  });

describe('sendAt: nothing sent early', () => {
  it('refuses a future sendAt where no provider schedules, naming the option and the provider', async () => {
    const provider = testingProvider({ name: 'plain' });
    const relay = createRelay({ providers: [provider], throttle: false });
    const sendAt = new Date(Date.now() + day);
    const error = await refusal(relay.send({ ...base, to: 'a@x.test', sendAt }));
    expect(error.kind).toBe('invalid');
    expect(error.field).toBe('sendAt');
    expect(error.message).toMatch(/plain cannot schedule/u);
    expect(error.message).toMatch(/relay\.enqueue/u);
    const [result] = await relay.sendBatch([{ ...base, to: 'a@x.test', sendAt }]);
    expect(result?.ok === false && result.error.field).toBe('sendAt');
    expect(provider.calls).toHaveLength(0);
  });

  it('hands a future sendAt to a provider that schedules natively within its horizon', async () => {
    const provider = scheduler('native', 3 * day);
    const relay = createRelay({ providers: [provider], throttle: false });
    const sendAt = new Date(Date.now() + hour);
    await relay.send({ ...base, to: 'a@x.test', sendAt });
    expect(provider.sent[0]?.sendAt).toEqual(sendAt);
    const later = new Date(Date.now() + 4 * day);
    const error = await refusal(relay.send({ ...base, to: 'a@x.test', sendAt: later }));
    expect(error.field).toBe('sendAt');
    expect(error.message).toMatch(/native schedules at most 3 days ahead/u);
    expect(provider.calls).toHaveLength(1);
  });

  it('routes a scheduled message past providers that cannot schedule it', async () => {
    const plain = testingProvider({ name: 'plain' });
    const native = scheduler('native', day);
    const relay = createRelay({ providers: [plain, native], throttle: false });
    const report = await relay.send({
      ...base,
      to: 'a@x.test',
      sendAt: new Date(Date.now() + hour),
    });
    expect(report.provider).toBe('native');
    expect(plain.calls).toHaveLength(0);
  });

  it('never fails a scheduled message over to a provider that would send it early', async () => {
    const native = scheduler('native', day);
    const plain = testingProvider({ name: 'plain' });
    native.failNext({ type: 'fail', kind: 'provider-unavailable', status: 503 }, 10);
    const relay = createRelay({ providers: [native, plain], retry: fast, throttle: false });
    const error = await refusal(
      relay.send({ ...base, to: 'a@x.test', sendAt: new Date(Date.now() + hour) }),
    );
    expect(error.kind).toBe('provider-unavailable');
    expect(plain.calls).toHaveLength(0);
    // Without a schedule the same outage fails over as usual.
    native.failNext({ type: 'fail', kind: 'provider-unavailable', status: 503 }, 10);
    const report = await relay.send({ ...base, to: 'a@x.test' });
    expect(report.provider).toBe('plain');
  });

  it('sends a sendAt that has passed at once, without handing the provider a schedule', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider], throttle: false });
    await relay.send({ ...base, to: 'a@x.test', sendAt: new Date(Date.now() - 1000) });
    expect(provider.sent).toHaveLength(1);
    expect(provider.sent[0]?.sendAt).toBeUndefined();
  });

  it('holds an enqueued message until its sendAt, by the relay clock, for any provider', async () => {
    let t = Date.UTC(2030, 0, 1, 9);
    const clock = () => t;
    const provider = testingProvider({ name: 'plain' });
    const relay = createRelay({
      providers: [provider],
      throttle: false,
      now: clock,
      outbox: memoryOutbox({ now: clock }),
      queue: { pollMs: 5 },
    });
    const sendAt = new Date(t + hour);
    // An enqueue option earlier than the message's own sendAt does not bring it forward.
    await relay.enqueue({ ...base, to: 'a@x.test', sendAt }, { sendAt: new Date(t) });
    relay.start();
    await new Promise((r) => setTimeout(r, 60));
    t += hour - 1000;
    await new Promise((r) => setTimeout(r, 60));
    expect(provider.calls).toHaveLength(0);
    t += 1000;
    for (let i = 0; i < 100 && provider.sent.length === 0; i += 1)
      await new Promise((r) => setTimeout(r, 10));
    await relay.stop();
    expect(provider.sent).toHaveLength(1);
    expect(provider.sent[0]?.sendAt).toBeUndefined();
    expect((await relay.outbox.counts()).sent).toBe(1);
  });
});

describe('sendAt with an outbox configured', () => {
  it('holds a message no provider can schedule in the outbox, from send and sendBatch alike, and sends it when due', async () => {
    let t = Date.UTC(2030, 0, 1, 9);
    const clock = () => t;
    const provider = testingProvider({ name: 'plain' });
    const relay = createRelay({
      providers: [provider],
      throttle: false,
      now: clock,
      outbox: memoryOutbox({ now: clock }),
      queue: { pollMs: 5 },
    });
    const sendAt = new Date(t + hour);
    const report = await relay.send({ ...base, to: 'a@x.test', sendAt });
    expect(report).toMatchObject({ status: 'scheduled', attempts: 0, scheduledFor: sendAt });
    const [batched] = await relay.sendBatch([{ ...base, to: 'b@x.test', sendAt }]);
    expect(batched).toMatchObject({ ok: true, report: { status: 'scheduled' } });
    expect((await relay.outbox.counts()).queued).toBe(2);
    relay.start();
    await new Promise((r) => setTimeout(r, 40));
    expect(provider.calls).toHaveLength(0);
    t += hour;
    for (let i = 0; i < 100 && provider.sent.length < 2; i += 1)
      await new Promise((r) => setTimeout(r, 10));
    await relay.stop();
    expect(provider.sent.map((m) => m.to[0]?.address).sort()).toEqual(['a@x.test', 'b@x.test']);
    expect(provider.sent.every((m) => m.sendAt === undefined)).toBe(true);
  });

  it('still hands a schedule to a provider that takes it natively, and refuses an unfit message at once', async () => {
    const native = scheduler('native', day);
    const relay = createRelay({ providers: [native], throttle: false, outbox: memoryOutbox() });
    const sendAt = new Date(Date.now() + hour);
    expect((await relay.send({ ...base, to: 'a@x.test', sendAt })).status).toBe('sent');
    expect(native.sent[0]?.sendAt).toEqual(sendAt);
    const many = Array.from({ length: 1001 }, (_, i) => `r${i}@x.test`);
    const error = await refusal(
      relay.send({ ...base, to: many, sendAt: new Date(Date.now() + 2 * day) }),
    );
    expect(error.field).toBe('to');
  });
});

describe('recipient limits', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `r${i}@x.test`);

  it('refuses a send over every provider limit before any call, naming the limit', async () => {
    const provider = testingProvider({ name: 'small', capabilities: { maxRecipients: 50 } });
    const relay = createRelay({ providers: [provider], throttle: false });
    const error = await refusal(relay.send({ ...base, to: many(51) }));
    expect(error.kind).toBe('invalid');
    expect(error.field).toBe('to');
    expect(error.message).toMatch(/51 recipients.*small 50/u);
    const [result] = await relay.sendBatch([{ ...base, bcc: many(51) }]);
    expect(result?.ok === false && result.error.field).toBe('to');
    expect((await refusal(relay.enqueue({ ...base, cc: many(51) }))).field).toBe('to');
    expect(provider.calls).toHaveLength(0);
    await relay.send({ ...base, to: many(50) });
    expect(provider.calls).toHaveLength(1);
  });

  it('routes a wide message to a provider that takes it', async () => {
    const small = testingProvider({ name: 'small', capabilities: { maxRecipients: 50 } });
    const wide = testingProvider({ name: 'wide', capabilities: { maxRecipients: 1000 } });
    const relay = createRelay({ providers: [small, wide], throttle: false });
    expect((await relay.send({ ...base, to: many(60) })).provider).toBe('wide');
    expect(small.calls).toHaveLength(0);
  });
});

describe('invalid input is never transient', () => {
  it('refuses an idempotency key with CR/LF as invalid, without a provider call', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider], throttle: false });
    const error = await refusal(
      relay.send({ ...base, to: 'a@x.test', idempotencyKey: 'order-1\r\nX-Evil: 1' }),
    );
    expect(error.kind).toBe('invalid');
    expect(error.retryable).toBe(false);
    expect(error.field).toBe('idempotencyKey');
    expect(provider.calls).toHaveLength(0);
  });
});
