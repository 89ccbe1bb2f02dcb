import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
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
  // Enters a context once, as the first traced request would: from then on Node runs
  // AsyncLocalStorage's hooks for every promise, also in a server whose engine never enters one.
  context.with(ROOT_CONTEXT, () => {});
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
 * with the SDK, so the others run in the same process without its promise hooks. `ratio` samples
 * that share of traces (`ParentBased(TraceIdRatioBased)`, a production setting); all by default.
 */
export function inProcessSdk(ratio?: number) {
  const exporter = new CountingExporter();
  const sampler = ratio === undefined ? undefined : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  const tracerProvider = new BasicTracerProvider({
    sampler,
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 1 << 20 })],
  });
  const meterProvider = new MeterProvider({ readers: [new PullReader()] });
  const manager = new AsyncLocalStorageContextManager();
  return {
    exporter,
    telemetry: { tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator() },
    /**
     * Registers the context manager (as the SDK does) and enters a context once, as the first traced
     * request would: only from then on does Node run AsyncLocalStorage's hooks for every promise,
     * and a variant that never enters one would not pay them. Or removes it (the hooks stop).
     */
    contextManager(on: boolean): void {
      if (on) {
        context.setGlobalContextManager(manager.enable());
        context.with(ROOT_CONTEXT, () => {});
      } else context.disable();
    },
    flush: () => tracerProvider.forceFlush(),
  };
}
