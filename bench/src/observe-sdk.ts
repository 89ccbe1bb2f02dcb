import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
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
