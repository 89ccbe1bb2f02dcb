import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { JsonLinesSpanExporter } from './json-lines-span-exporter.js';

/**
 * Where the example server sends its spans: OTLP over HTTP (JSON) when the standard
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces`
 * appended, as the OpenTelemetry specification says) is set; otherwise one JSON line per span on
 * stderr ({@link JsonLinesSpanExporter}), leaving stdout to the server's log lines.
 */
export function spanExporterFromEnv(env: NodeJS.ProcessEnv): SpanExporter {
  const url = otlpTracesUrl(env);
  return url === undefined ? new JsonLinesSpanExporter() : new OTLPTraceExporter({ url });
}

/** The OTLP traces URL the environment names, if any. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}
