import { type ExportResult, ExportResultCode, hrTimeToMicroseconds } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * The example server's span exporter when no OTLP endpoint is set: each span as one JSON line, with
 * the fields the SDK's `ConsoleSpanExporter` prints, written to stderr by default. Not to stdout,
 * and not as `ConsoleSpanExporter`'s multi-line dump: stdout holds the server's own lines (with
 * `LOG_FORMAT=json`, pino's JSON lines, which a dump in between would break for every reader).
 */
export class JsonLinesSpanExporter implements SpanExporter {
  #stopped = false;

  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line)) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.#stopped) {
      done({ code: ExportResultCode.FAILED, error: new Error('The exporter was shut down') });
      return;
    }
    for (const span of spans) this.write(`${JSON.stringify(lineOf(span))}\n`);
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    this.#stopped = true;
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** A span's line: what `ConsoleSpanExporter` prints of it, times in microseconds. */
function lineOf(span: ReadableSpan): Record<string, unknown> {
  const context = span.spanContext();
  return {
    resource: { attributes: span.resource.attributes },
    instrumentationScope: span.instrumentationScope,
    traceId: context.traceId,
    parentSpanId: span.parentSpanContext?.spanId,
    traceState: context.traceState?.serialize(),
    name: span.name,
    id: context.spanId,
    kind: span.kind,
    timestamp: hrTimeToMicroseconds(span.startTime),
    duration: hrTimeToMicroseconds(span.duration),
    attributes: span.attributes,
    status: span.status,
    events: span.events,
    links: span.links,
  };
}
