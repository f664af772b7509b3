import { UsageError } from '../commands/io.ts';

const needed = [
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/context-async-hooks',
];

/**
 * `relaykit demo --otel console`: registers an OpenTelemetry SDK that prints relaykit's spans and
 * metrics to the console (ConsoleSpanExporter, sdk-trace-base/src/export/ConsoleSpanExporter.ts;
 * ConsoleMetricExporter, sdk-metrics/src/export/ConsoleMetricExporter.ts), before the relay is
 * made, so the relay's default telemetry finds it. Returns what flushes and unregisters it.
 */
export async function startConsoleTelemetry(
  options: { exportIntervalMillis?: number } = {},
): Promise<() => Promise<void>> {
  let loaded;
  try {
    loaded = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/context-async-hooks'),
    ]);
  } catch {
    throw new UsageError(
      `relaykit demo --otel console needs the OpenTelemetry SDK: npm i ${needed.join(' ')}`,
    );
  }
  const [api, traceSdk, metricsSdk, contextHooks] = loaded;
  const contextManager = new contextHooks.AsyncLocalStorageContextManager().enable();
  api.context.setGlobalContextManager(contextManager);
  const tracerProvider = new traceSdk.BasicTracerProvider({
    spanProcessors: [new traceSdk.BatchSpanProcessor(new traceSdk.ConsoleSpanExporter())],
  });
  api.trace.setGlobalTracerProvider(tracerProvider);
  const meterProvider = new metricsSdk.MeterProvider({
    readers: [
      new metricsSdk.PeriodicExportingMetricReader({
        exporter: new metricsSdk.ConsoleMetricExporter(),
        exportIntervalMillis: options.exportIntervalMillis ?? 10_000,
      }),
    ],
  });
  api.metrics.setGlobalMeterProvider(meterProvider);
  return async () => {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    api.trace.disable();
    api.metrics.disable();
    api.context.disable();
  };
}
