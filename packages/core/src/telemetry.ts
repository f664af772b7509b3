import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import type { Attributes, Link, Meter, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { Emitter } from './emitter.ts';
import type { RelayEvents } from './relay.ts';
import type { Outbox } from './stores.ts';

/**
 * OpenTelemetry for relaykit. `@opentelemetry/api` is an optional peer dependency: when it is not
 * installed every hook below is a plain call of the wrapped function. When it is installed but no
 * SDK is registered, the API's own no-op tracer and meter answer (the API's documented
 * behaviour: https://opentelemetry.io/docs/specs/otel/trace/api/#behavior-of-the-api-in-the-absence-of-an-installed-sdk).
 *
 * Names follow the semantic conventions where one exists (`error.type`,
 * https://opentelemetry.io/docs/specs/semconv/attributes-registry/error/) and `relaykit.*`
 * otherwise; docs/operations.md lists them all.
 */
export interface TelemetryOptions {
  /** The `@opentelemetry/api` module. @default loaded from node_modules when installed */
  api?: typeof OtelApi;
  /** @default api.trace.getTracer('relaykit') */
  tracer?: Tracer;
  /** @default api.metrics.getMeter('relaykit') */
  meter?: Meter;
  /** Put full recipient addresses on spans (PII: off unless you opt in). @default false */
  recordAddresses?: boolean;
}

/** A W3C trace context (https://www.w3.org/TR/trace-context/#traceparent-header) kept with a queued message. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

export interface SpanHandle {
  /** False when nothing records the span (no SDK, or not sampled): skip building attributes. */
  readonly recording: boolean;
  set(attributes: Attributes): void;
  event(name: string, attributes?: Attributes): void;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** False when the meter is the API's no-op one (no MeterProvider was registered). */
  readonly metering: boolean;
  readonly recordAddresses: boolean;
  /** Whether spans would be recorded now (an SDK is registered, or a tracer was given). */
  tracing(): boolean;
  /** Runs `fn` inside a new span (a child of the active one), ending it when `fn` settles. */
  span<T>(
    name: string,
    attributes: Attributes,
    fn: (span: SpanHandle) => Promise<T>,
    options?: { link?: TraceCarrier },
  ): Promise<T>;
  /** The active span, to add attributes or events to. */
  active(): SpanHandle;
  /** The active trace context as W3C headers, to store with a queued message. */
  inject(): TraceCarrier | undefined;
  /** Counts a finished send; its duration too, when known. */
  recordSend(attributes: Attributes, durationMs?: number): void;
  recordThrottleWait(attributes: Attributes, waitMs: number): void;
  recordWebhook(attributes: Attributes): void;
}

const noSpan: SpanHandle = { recording: false, set: () => {}, event: () => {} };

const off: Telemetry = {
  enabled: false,
  metering: false,
  recordAddresses: false,
  tracing: () => false,
  span: (_name, _attributes, fn) => fn(noSpan),
  active: () => noSpan,
  inject: () => undefined,
  recordSend: () => {},
  recordThrottleWait: () => {},
  recordWebhook: () => {},
};

/** `@opentelemetry/api` when it resolves from here, or undefined: relaykit never needs it. */
function loadApi(): typeof OtelApi | undefined {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
  } catch {
    return undefined;
  }
}

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context in a W3C traceparent (https://www.w3.org/TR/trace-context/#traceparent-header), if valid. */
export function parseTraceparent(
  carrier: TraceCarrier,
): { traceId: string; spanId: string; traceFlags: number; isRemote: true } | undefined {
  const match = traceparentPattern.exec(carrier.traceparent ?? '');
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
}

const wrap = (span: Span): SpanHandle => ({
  recording: span.isRecording(),
  set: (attributes) => span.setAttributes(attributes),
  event: (name, attributes) => span.addEvent(name, attributes),
});

/** Telemetry from the relay's options; `false` (or no API installed) turns it off. */
export function createTelemetry(
  options: TelemetryOptions | false | undefined,
  emitter: Emitter<RelayEvents>,
  outbox?: Pick<Outbox, 'counts' | 'oldestQueued'>,
): Telemetry {
  if (options === false) return off;
  const api = options?.api ?? loadApi();
  if (!api) return off;
  const meter = options?.meter ?? api.metrics.getMeter('relaykit');
  const { SpanStatusCode, context, trace } = api;
  // No tracer given and no SDK registered: the global provider is the API's proxy with no
  // delegate but the no-op provider (api/src/trace/ProxyTracerProvider.ts), so every span would
  // be a no-op; skip it. Checked per span, since an SDK may be registered after the relay is made,
  // and through the global registry, which every copy of the API shares (an application's ESM
  // import and this require are two module instances of @opentelemetry/api).
  // The no-op provider is a singleton per copy of the API, so it is known by identity for this
  // copy and by its class name (api/src/trace/NoopTracerProvider.ts) for another. No probe span:
  // one would be exported by a real SDK.
  const noopProvider = new api.ProxyTracerProvider().getDelegate();
  const isNoop = (delegate: TracerProvider): boolean =>
    delegate === noopProvider || delegate.constructor.name === 'NoopTracerProvider';
  const noSdk = (): boolean => {
    if (options?.tracer) return false;
    const provider = trace.getTracerProvider() as TracerProvider & {
      getDelegate?: () => TracerProvider;
    };
    return isNoop(provider.getDelegate?.() ?? provider);
  };
  // The global tracer, asked for per span (only when an SDK is registered) so it is the one of the
  // provider registered now, whichever copy of the API registered it.
  const tracerNow = (): Tracer => options?.tracer ?? trace.getTracer('relaykit');
  // The metrics API has no proxy: a meter taken before any MeterProvider is registered stays the
  // no-op one (api/src/api/metrics.ts), and so do its instruments. Those calls are skipped.
  const metering =
    meter.createCounter('relaykit.probe').constructor !==
    api.createNoopMeter().createCounter('relaykit.probe').constructor;

  const sends = meter.createCounter('relaykit.sends', {
    description: 'Sends finished, by provider, stream and outcome',
    unit: '{message}',
  });
  const sendDuration = meter.createHistogram('relaykit.send.duration', {
    description:
      'Time of one send, from the call to its report (retries and throttle waits included)',
    unit: 's',
  });
  const throttleWait = meter.createHistogram('relaykit.throttle.wait', {
    description: 'Time an attempt waited for throttle tokens',
    unit: 's',
  });
  const attempts = meter.createCounter('relaykit.attempts', {
    description: 'Provider attempts that failed, by provider and error type',
    unit: '{attempt}',
  });
  const failovers = meter.createCounter('relaykit.failovers', {
    description: 'Moves from one provider to the next within a send',
    unit: '{failover}',
  });
  const webhookRequests = meter.createCounter('relaykit.webhook.requests', {
    description: 'Webhook requests, by provider and verification outcome',
    unit: '{request}',
  });
  const deliveryEvents = meter.createCounter('relaykit.events', {
    description:
      'Delivery events taken in (webhooks, polling, the testing provider), by provider and type',
    unit: '{event}',
  });
  const suppressions = meter.createCounter('relaykit.suppressions', {
    description: 'Addresses added to the suppression list, by reason',
    unit: '{address}',
  });
  const circuits = meter.createCounter('relaykit.circuit.changes', {
    description: 'Circuit-breaker state changes, by provider and state',
    unit: '{change}',
  });
  const alerts = meter.createCounter('relaykit.alerts', {
    description: 'Health and suppression alerts, by type',
    unit: '{alert}',
  });
  const queueRuns = meter.createCounter('relaykit.queue.runs', {
    description: 'Queued message runs, by status (sent, retry, expired, dead)',
    unit: '{run}',
  });

  // Read only when a metric reader collects (every export interval), never on the send path.
  if (outbox && metering) {
    const depth = meter.createObservableGauge('relaykit.outbox.depth', {
      description: 'Messages in the outbox, by status (queued, in-flight, dead, expired)',
      unit: '{message}',
    });
    depth.addCallback(async (result) => {
      const counts = await outbox.counts();
      result.observe(counts.queued, { 'relaykit.outbox.status': 'queued' });
      result.observe(counts.inFlight, { 'relaykit.outbox.status': 'in-flight' });
      result.observe(counts.dead, { 'relaykit.outbox.status': 'dead' });
      result.observe(counts.expired, { 'relaykit.outbox.status': 'expired' });
    });
    const oldestQueued = outbox.oldestQueued?.bind(outbox);
    if (oldestQueued) {
      const age = meter.createObservableGauge('relaykit.outbox.oldest_age', {
        description: 'Age of the oldest message waiting in the outbox (0 when none waits)',
        unit: 's',
      });
      age.addCallback(async (result) => {
        const oldest = await oldestQueued();
        result.observe(
          oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.getTime()) / 1000),
        );
      });
    }
  }

  if (metering) subscribe();
  function subscribe() {
    emitter.on('failover', (e) =>
      failovers.add(1, {
        'relaykit.failover.from': e.from,
        'relaykit.failover.to': e.to,
        'error.type': e.error.kind,
      }),
    );
    emitter.on('retry', (e) =>
      attempts.add(1, { 'relaykit.provider': e.provider, 'error.type': e.error.kind }),
    );
    emitter.on('event', (e) =>
      deliveryEvents.add(1, { 'relaykit.provider': e.provider, 'relaykit.event.type': e.type }),
    );
    emitter.on('suppression', (d) => {
      if (d.type === 'suppressed')
        suppressions.add(1, { 'relaykit.suppression.reason': d.reason ?? 'unknown' });
    });
    emitter.on('circuit', (e) =>
      circuits.add(1, { 'relaykit.provider': e.provider, 'relaykit.circuit.state': e.state }),
    );
    emitter.on('alert', (a) => alerts.add(1, { 'relaykit.alert.type': a.type }));
    emitter.on('queue', (e) => queueRuns.add(1, { 'relaykit.queue.status': e.status }));
  }

  return {
    enabled: true,
    metering,
    recordAddresses: options?.recordAddresses ?? false,
    tracing: () => !noSdk(),
    span(name, attributes, fn, spanOptions) {
      if (noSdk()) return fn(noSpan);
      const linked = spanOptions?.link && parseTraceparent(spanOptions.link);
      const links: Link[] = linked ? [{ context: linked }] : [];
      const parent = context.active();
      const span = tracerNow().startSpan(name, { attributes, links }, parent);
      // No SDK (the API's no-op tracer): the span is the parent's context or none, so there is
      // nothing to record or propagate and `fn` runs as it would without telemetry.
      if (!span.isRecording()) {
        const own = span.spanContext();
        if (!trace.isSpanContextValid(own) || own.spanId === trace.getSpanContext(parent)?.spanId)
          return fn(noSpan);
      }
      return context.with(trace.setSpan(parent, span), async () => {
        try {
          return await fn(wrap(span));
        } catch (error) {
          const kind = (error as { kind?: unknown }).kind;
          span.setAttribute('error.type', typeof kind === 'string' ? kind : '_OTHER');
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    active() {
      const span = trace.getActiveSpan();
      return span ? wrap(span) : noSpan;
    },
    inject() {
      const span = trace.getActiveSpan()?.spanContext();
      if (!span || !trace.isSpanContextValid(span)) return undefined;
      const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
      return { traceparent: `00-${span.traceId}-${span.spanId}-${flags}` };
    },
    recordSend: metering
      ? (attributes, ms) => {
          sends.add(1, attributes);
          if (ms !== undefined) sendDuration.record(ms / 1000, attributes);
        }
      : () => {},
    recordThrottleWait: (attributes, ms) => throttleWait.record(ms / 1000, attributes),
    recordWebhook: (attributes) => webhookRequests.add(1, attributes),
  };
}
