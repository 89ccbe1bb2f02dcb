import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { type ExampleTelemetry, exampleTelemetry } from '@restbatch/example-server';

/** An in-memory exporter that keeps a count, not the spans (a bench exports millions). */
export class CountingExporter implements SpanExporter {
  count = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.count += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/**
 * The example server's SDK wiring (batched spans, an AsyncLocalStorage context manager, W3C
 * propagation, a pull metric reader) with spans counted in memory. The span queue is made large
 * enough that no span is dropped: a dropped span would cost nothing and flatter the figures.
 */
export function inMemorySdk(): { sdk: ExampleTelemetry; exporter: CountingExporter } {
  process.env.OTEL_BSP_MAX_QUEUE_SIZE = String(1 << 20);
  const exporter = new CountingExporter();
  const sdk = exampleTelemetry({ OTEL_ENABLED: '1' }, exporter) as ExampleTelemetry;
  return { sdk, exporter };
}

/** The pull reader of {@link inProcessSdk}: collects when asked, as a Prometheus endpoint would. */
class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * The same SDK pieces as {@link inMemorySdk}, not registered globally: the in-process worker passes
 * the providers to one engine and switches the context manager on only for the variants that run
 * with the SDK, so the others run in the same process without its promise hooks.
 */
export function inProcessSdk() {
  const exporter = new CountingExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 1 << 20 })] });
  const meterProvider = new MeterProvider({ readers: [new PullReader()] });
  const manager = new AsyncLocalStorageContextManager();
  return {
    exporter,
    telemetry: { tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator() },
    /** Registers the context manager (as the SDK does), or removes it. */
    contextManager(on: boolean): void {
      if (on) context.setGlobalContextManager(manager.enable());
      else context.disable();
    },
    flush: () => tracerProvider.forceFlush(),
  };
}
