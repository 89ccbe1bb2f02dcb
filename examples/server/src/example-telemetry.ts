import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, detectResources, envDetector, type Resource } from '@opentelemetry/resources';
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
 * The resource spans and metrics are of: the SDK's default (`telemetry.sdk.*`, `service.name`
 * `unknown_service:node`) with what the standard `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`
 * say over it. A provider made without a resource reads neither: the SDK's env detector does, from
 * the process environment, as the SDK's exporters read their own `OTEL_*` variables.
 */
export function resourceFromEnv(): Resource {
  return defaultResource().merge(detectResources({ detectors: [envDetector] }));
}

/**
 * With `OTEL_ENABLED=1`: the SDK with spans sent by OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set,
 * as JSON lines to stderr otherwise (or to `spans`, for tests and the bench), batched (the `OTEL_BSP_*`
 * variables tune the batching), and metrics read by `GET /metrics`, all of the resource
 * {@link resourceFromEnv} reads (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`); registered
 * globally too, so handlers' own spans join the batch's trace. Undefined (nothing wired) otherwise.
 */
export function exampleTelemetry(env: NodeJS.ProcessEnv, spans?: SpanExporter): ExampleTelemetry | undefined {
  if (env.OTEL_ENABLED !== '1') return undefined;
  const resource = resourceFromEnv();
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(spans ?? spanExporterFromEnv(env))],
  });
  const reader = new PrometheusTextReader();
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
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
