import 'reflect-metadata';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createEngine, type Engine, exagoApi, type TelemetryOptions } from '@restbatch/core';
import { BENCH_CONFIGS } from './exago-mix.js';
import { CountingExporter } from './observe-sdk.js';

/**
 * The engine every in-process scenario measures: the Exago API, validation on, errors not logged.
 * `BENCH_OTEL=1` turns the OpenTelemetry SDK on (spans and metrics kept in memory, issue 16).
 */
export function benchEngine(): Engine {
  return createEngine({
    apis: [exagoApi({ configs: BENCH_CONFIGS })],
    logger: { error: () => {} },
    telemetry: process.env.BENCH_OTEL ? inMemoryTelemetry(process.env.BENCH_OTEL) : undefined,
  });
}

class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** `1`: traces and metrics; `traces` or `metrics`: only that one (to see what each costs). */
function inMemoryTelemetry(which: string): TelemetryOptions {
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new CountingExporter(), { maxQueueSize: 1 << 20 })],
  });
  const meterProvider = new MeterProvider({ readers: [new PullReader()] });
  // Without a provider of its own the engine takes the global one, a no-op while no SDK registered it.
  if (which === 'traces') return { tracerProvider };
  if (which === 'metrics') return { meterProvider };
  return { tracerProvider, meterProvider };
}
