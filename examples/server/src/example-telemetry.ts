import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TelemetryOptions } from '@restbatch/core';
import { PrometheusTextReader } from './prometheus-text.js';
import { spanExporterFromEnv } from './span-exporter-from-env.js';

/** The example server's OpenTelemetry wiring: what the engine takes, `GET /metrics`, and a stop. */
export interface ExampleTelemetry {
  readonly telemetry: TelemetryOptions;
  /** Prometheus text of every metric now. */
  metrics(): Promise<string>;
  /** Exports the spans still buffered. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * With `OTEL_ENABLED=1`: the SDK with spans sent by OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set,
 * to the console otherwise (or to `spans`, for tests and the bench), batched (the `OTEL_BSP_*`
 * variables tune the batching), and metrics read by `GET /metrics`; registered globally too, so
 * handlers' own spans join the batch's trace. Undefined (nothing wired) otherwise.
 */
export function exampleTelemetry(env: NodeJS.ProcessEnv, spans?: SpanExporter): ExampleTelemetry | undefined {
  if (env.OTEL_ENABLED !== '1') return undefined;
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans ?? spanExporterFromEnv(env))] });
  const reader = new PrometheusTextReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const propagator = new W3CTraceContextPropagator();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  propagation.setGlobalPropagator(propagator);
  return {
    telemetry: { tracerProvider, meterProvider, propagator },
    metrics: () => reader.text(),
    flush: () => tracerProvider.forceFlush(),
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
