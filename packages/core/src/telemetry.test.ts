import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deserializeMessage, serializeMessage, traceCarrierOf } from './codec.ts';
import { memoryOutbox } from './memory/outbox.ts';
import { createRelay, type RelayOptions } from './relay.ts';
import { parseTraceparent } from './telemetry.ts';
import { rawWebhookOf, testingProvider } from './testing/index.ts';
import { secretHeaderProvider } from './webhook-test-provider.ts';

const base = { from: 'Shop <orders@mail.shop.test>', subject: 'Your order', text: 'Thanks!' };
const fast = { minDelayMs: 1, maxDelayMs: 5 };

// The SDK's in-memory exporters (sdk-trace-base/src/export/InMemorySpanExporter.ts,
// sdk-metrics/src/export/InMemoryMetricExporter.ts) and the AsyncLocalStorage context manager
// the Node SDK registers, so spans nest across awaits.
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spans)],
});
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 60_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager();
const tracer = tracerProvider.getTracer('test');

beforeAll(() => {
  api.context.setGlobalContextManager(contextManager.enable());
});
afterAll(async () => {
  api.context.disable();
  await meterProvider.shutdown();
});
beforeEach(() => spans.reset());

function relayWith(options: Omit<RelayOptions, 'telemetry'>) {
  return createRelay({
    ...options,
    telemetry: {
      api,
      tracer: tracerProvider.getTracer('relaykit'),
      meter: meterProvider.getMeter('relaykit'),
    },
  });
}

const named = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name);
const only = (name: string): ReadableSpan => {
  const found = named(name);
  expect(found).toHaveLength(1);
  return found[0] as ReadableSpan;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The metric points named `name`, as [attributes, value] pairs. */
async function points(name: string): Promise<Array<[api.Attributes, unknown]>> {
  metricExporter.reset();
  await reader.forceFlush();
  const found = metricExporter
    .getMetrics()
    .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
    .filter((m) => m.descriptor.name === name);
  return found.flatMap((m) =>
    m.dataPoints.map((p) => [p.attributes, p.value] as [api.Attributes, unknown]),
  );
}

describe('telemetry: traces and metrics', () => {
  it('a delivered send: one relaykit.send span under the caller, one attempt span under it', async () => {
    const provider = testingProvider({ name: 'alpha' });
    const relay = relayWith({ providers: [provider] });
    await tracer.startActiveSpan('http.request', async (request) => {
      await relay.send({ ...base, to: ['a@example.test', 'b@Other.test'] });
      request.end();
    });
    const caller = only('http.request');
    const send = only('relaykit.send');
    const attempt = only('relaykit.attempt');
    expect(parentOf(send)).toBe(caller.spanContext().spanId);
    expect(send.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(parentOf(attempt)).toBe(send.spanContext().spanId);
    expect(send.attributes).toMatchObject({
      'relaykit.outcome': 'sent',
      'relaykit.provider': 'alpha',
      'relaykit.attempts': 1,
      'relaykit.recipient.count': 2,
      'relaykit.recipient.domains': ['example.test', 'other.test'],
      'relaykit.suppression.decision': 'none',
    });
    // Domains only: no full address unless recordAddresses is set.
    expect(JSON.stringify(send.attributes)).not.toContain('a@example.test');
    expect(attempt.attributes).toMatchObject({
      'relaykit.provider': 'alpha',
      'relaykit.attempt': 1,
      'relaykit.outcome': 'accepted',
    });
    expect(attempt.attributes['relaykit.throttle.wait_ms']).toBeTypeOf('number');
    const sends = await points('relaykit.sends');
    expect(sends).toContainEqual([
      expect.objectContaining({ 'relaykit.provider': 'alpha', 'relaykit.outcome': 'sent' }),
      expect.any(Number),
    ]);
    const latency = await points('relaykit.send.duration');
    expect(latency.length).toBeGreaterThan(0);
    expect((await points('relaykit.throttle.wait')).length).toBeGreaterThan(0);
  });

  it('a retried send: an attempt span per try, the failed one carrying error.type', async () => {
    const provider = testingProvider({ name: 'retrying' });
    provider.failNext({ type: 'fail', kind: 'transient', status: 500 }, 2);
    const relay = relayWith({ providers: [provider], retry: { ...fast, attemptsPerProvider: 5 } });
    const report = await relay.send({ ...base, to: 'a@example.test' });
    expect(report.attempts).toBe(3);
    const attempts = named('relaykit.attempt').sort(
      (a, b) =>
        (a.attributes['relaykit.attempt'] as number) - (b.attributes['relaykit.attempt'] as number),
    );
    expect(attempts.map((a) => a.attributes['relaykit.attempt'])).toEqual([1, 2, 3]);
    expect(attempts.map((a) => a.attributes['relaykit.outcome'])).toEqual([
      'failed',
      'failed',
      'accepted',
    ]);
    expect(attempts[0]?.attributes['error.type']).toBe('transient');
    expect(attempts[0]?.status.code).toBe(api.SpanStatusCode.ERROR);
    const send = only('relaykit.send');
    for (const a of attempts) expect(parentOf(a)).toBe(send.spanContext().spanId);
    expect(send.attributes['relaykit.attempts']).toBe(3);
    expect(await points('relaykit.attempts')).toContainEqual([
      { 'relaykit.provider': 'retrying', 'error.type': 'transient' },
      2,
    ]);
  });

  it('a failed-over send: failover from/to on the attempt span, the failovers counter', async () => {
    const first = testingProvider({ name: 'down' });
    const second = testingProvider({ name: 'up' });
    first.failNext({ type: 'fail', kind: 'provider-unavailable', status: 503 }, 5);
    const relay = relayWith({ providers: [first, second], retry: fast });
    const report = await relay.send({ ...base, to: 'a@example.test' });
    expect(report.provider).toBe('up');
    const failed = named('relaykit.attempt').find(
      (s) => s.attributes['relaykit.provider'] === 'down',
    );
    expect(failed?.attributes).toMatchObject({
      'relaykit.failover.from': 'down',
      'relaykit.failover.to': 'up',
      'error.type': 'provider-unavailable',
    });
    expect(only('relaykit.send').attributes['relaykit.provider']).toBe('up');
    expect(await points('relaykit.failovers')).toContainEqual([
      {
        'relaykit.failover.from': 'down',
        'relaykit.failover.to': 'up',
        'error.type': 'provider-unavailable',
      },
      1,
    ]);
  });

  it('a suppressed send: dropped in drop mode, refused (error.type suppressed) in refuse mode', async () => {
    const provider = testingProvider({ name: 'supp' });
    const relay = relayWith({ providers: [provider] });
    await relay.suppressions.add('gone@example.test', { reason: 'hard-bounce' });
    await relay.send({ ...base, to: ['gone@example.test', 'ok@example.test'] });
    expect(only('relaykit.send').attributes).toMatchObject({
      'relaykit.suppression.decision': 'dropped',
      'relaykit.suppressed.count': 1,
      'relaykit.outcome': 'partial',
    });
    spans.reset();
    const refusing = relayWith({ providers: [provider], suppression: { mode: 'refuse' } });
    await refusing.suppressions.add('gone@example.test', { reason: 'hard-bounce' });
    await expect(refusing.send({ ...base, to: 'gone@example.test' })).rejects.toThrow(/suppressed/);
    const send = only('relaykit.send');
    expect(send.attributes).toMatchObject({
      'relaykit.suppression.decision': 'refused',
      'error.type': 'suppressed',
      'relaykit.outcome': 'failed',
    });
    expect(send.status.code).toBe(api.SpanStatusCode.ERROR);
  });

  it('a queued send: the job span links to the span that enqueued it', async () => {
    const provider = testingProvider({ name: 'queued' });
    const relay = relayWith({
      providers: [provider],
      outbox: memoryOutbox(),
      queue: { pollMs: 5 },
    });
    let enqueuing: api.SpanContext | undefined;
    const id = await tracer.startActiveSpan('http.request', async (request) => {
      enqueuing = request.spanContext();
      const queuedId = await relay.enqueue({ ...base, to: 'a@example.test' });
      request.end();
      return queuedId;
    });
    relay.start();
    await expect.poll(async () => (await relay.outbox.get(id))?.status).toBe('sent');
    await relay.stop();
    const job = only('relaykit.queue.job');
    // A new trace of its own, linked (not parented) to the request that enqueued it.
    expect(parentOf(job)).toBeUndefined();
    expect(job.links.map((l) => l.context.spanId)).toEqual([enqueuing?.spanId]);
    expect(job.links[0]?.context.traceId).toBe(enqueuing?.traceId);
    expect(job.attributes).toMatchObject({ 'relaykit.message.id': id, 'relaykit.outcome': 'sent' });
    expect(parentOf(only('relaykit.attempt'))).toBe(job.spanContext().spanId);
    expect(await points('relaykit.queue.runs')).toContainEqual([
      { 'relaykit.queue.status': 'sent' },
      1,
    ]);
  });

  it('the outbox depth gauge reads the outbox counts at collection', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const own = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meters = new MeterProvider({ readers: [own] });
    const relay = createRelay({
      providers: [testingProvider()],
      outbox: memoryOutbox(),
      telemetry: { api, meter: meters.getMeter('relaykit') },
    });
    const queued = async () => {
      exporter.reset();
      await own.forceFlush();
      const metric = exporter
        .getMetrics()
        .flatMap((r) => r.scopeMetrics.flatMap((m) => m.metrics))
        .find((m) => m.descriptor.name === 'relaykit.outbox.depth');
      return metric?.dataPoints.find((p) => p.attributes['relaykit.outbox.status'] === 'queued')
        ?.value;
    };
    expect(await queued()).toBe(0);
    await relay.enqueue({ ...base, to: 'a@example.test' });
    await relay.enqueue({ ...base, to: 'b@example.test' });
    expect(await queued()).toBe(2);
    await meters.shutdown();
  });

  it('the outbox age gauge reads the oldest waiting message at collection', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const own = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meters = new MeterProvider({ readers: [own] });
    const outbox = memoryOutbox();
    createRelay({
      providers: [testingProvider()],
      outbox,
      telemetry: { api, meter: meters.getMeter('relaykit') },
    });
    const age = async () => {
      exporter.reset();
      await own.forceFlush();
      return exporter
        .getMetrics()
        .flatMap((r) => r.scopeMetrics.flatMap((m) => m.metrics))
        .find((m) => m.descriptor.name === 'relaykit.outbox.oldest_age')?.dataPoints[0]?.value;
    };
    expect(await age()).toBe(0);
    const now = Date.now();
    await outbox.enqueue([
      {
        id: 'old',
        message: { id: 'old' },
        enqueuedAt: new Date(now - 90_000),
        dueAt: new Date(now - 1),
        expiresAt: new Date(now + 3_600_000),
        attempts: 0,
      },
    ]);
    const seconds = await age();
    expect(seconds).toBeGreaterThanOrEqual(90);
    expect(seconds).toBeLessThan(100);
    await meters.shutdown();
  });

  it('a batch: one relaykit.batch span, the attempts under it', async () => {
    const provider = testingProvider({ name: 'batcher' });
    const relay = relayWith({ providers: [provider] });
    await relay.sendBatch(
      [
        { ...base, to: 'a@example.test' },
        { ...base, to: 'b@example.test' },
      ],
      { providerBatches: false },
    );
    const batch = only('relaykit.batch');
    expect(batch.attributes).toMatchObject({
      'relaykit.batch.size': 2,
      'relaykit.batch.failed': 0,
    });
    const attempts = named('relaykit.attempt');
    expect(attempts).toHaveLength(2);
    for (const a of attempts) expect(parentOf(a)).toBe(batch.spanContext().spanId);
  });

  it('a webhook: a span per request with provider, event types and verification outcome', async () => {
    const relay = relayWith({ providers: [secretHeaderProvider()] });
    const post = (headers: Record<string, string>) =>
      new Request('http://localhost/webhooks/hooks', {
        method: 'POST',
        headers,
        body: JSON.stringify([
          { id: 'e1', type: 'delivered', recipient: 'a@example.test' },
          { id: 'e2', type: 'bounced', recipient: 'b@example.test' },
        ]),
      });
    expect((await relay.webhooks.handle(post({ 'x-secret': 'hook-secret' }))).status).toBe(200);
    expect((await relay.webhooks.handle(post({ 'x-secret': 'wrong' }))).status).toBe(401);
    const [verified, refused] = named('relaykit.webhook');
    expect(verified?.attributes).toMatchObject({
      'relaykit.provider': 'hooks',
      'relaykit.webhook.verification': 'verified',
      'http.response.status_code': 200,
      'relaykit.event.count': 2,
    });
    expect([...((verified?.attributes['relaykit.event.types'] as string[]) ?? [])].sort()).toEqual([
      'bounced',
      'delivered',
    ]);
    expect(refused?.attributes).toMatchObject({
      'relaykit.webhook.verification': 'failed',
      'http.response.status_code': 401,
    });
    expect(await points('relaykit.webhook.requests')).toContainEqual([
      expect.objectContaining({ 'relaykit.webhook.verification': 'failed' }),
      1,
    ]);
    const events = await points('relaykit.events');
    expect(events).toContainEqual([
      { 'relaykit.provider': 'hooks', 'relaykit.event.type': 'bounced' },
      1,
    ]);
    // handleRaw records the same span for the same requests.
    for (const secret of ['hook-secret', 'wrong'])
      await relay.webhooks.handleRaw(await rawWebhookOf(post({ 'x-secret': secret })));
    const outcome = (span: ReturnType<typeof named>[number] | undefined) =>
      ['relaykit.provider', 'relaykit.webhook.verification', 'http.response.status_code'].map(
        (key) => span?.attributes[key],
      );
    expect(named('relaykit.webhook').slice(2).map(outcome)).toEqual(
      [verified, refused].map(outcome),
    );
  });

  it('keeps the enqueuing trace context through the codec, and reads only a valid traceparent', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const relayMessage = {
      id: 'm1',
      from: 'a@example.test',
      to: ['b@example.test'],
      cc: [],
      bcc: [],
      subject: 's',
      text: 't',
      attachments: [],
      headers: {},
      tags: [],
      metadata: {},
      idempotencyKey: 'k',
    } as unknown as Parameters<typeof serializeMessage>[0];
    const stored = JSON.parse(JSON.stringify(serializeMessage(relayMessage, { traceparent })));
    expect(traceCarrierOf(stored)).toEqual({ traceparent });
    expect(deserializeMessage(stored)).not.toHaveProperty('_trace');
    expect(
      traceCarrierOf(JSON.parse(JSON.stringify(serializeMessage(relayMessage)))),
    ).toBeUndefined();
    expect(parseTraceparent({ traceparent })).toMatchObject({
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    });
    expect(
      parseTraceparent({ traceparent: '00-' + '0'.repeat(32) + '-b7ad6b7169203331-01' }),
    ).toBeUndefined();
    expect(parseTraceparent({ traceparent: 'garbage' })).toBeUndefined();
  });

  it('by default loads @opentelemetry/api and follows the SDK registered globally, even later', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    await relay.send({ ...base, to: 'a@example.test' });
    expect(named('relaykit.send')).toHaveLength(0);
    api.trace.setGlobalTracerProvider(tracerProvider);
    try {
      await relay.send({ ...base, to: 'a@example.test' });
      expect(only('relaykit.send').attributes['relaykit.outcome']).toBe('sent');
      // Nothing but the send and its attempt: no span of relaykit's own bookkeeping.
      expect(spans.getFinishedSpans().map((s) => s.name)).toEqual([
        'relaykit.attempt',
        'relaykit.send',
      ]);
    } finally {
      api.trace.disable();
    }
  });

  it('telemetry: false emits nothing', async () => {
    const relay = createRelay({ providers: [testingProvider()], telemetry: false });
    await tracer.startActiveSpan('outer', async (s) => {
      await relay.send({ ...base, to: 'a@example.test' });
      s.end();
    });
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['outer']);
  });
});
