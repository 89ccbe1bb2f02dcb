import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Where the example server sends its spans: OTLP over HTTP (JSON) when the standard
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces`
 * appended, as the OpenTelemetry specification says) is set; the console otherwise.
 */
export function spanExporterFromEnv(env: NodeJS.ProcessEnv): SpanExporter {
  const url = otlpTracesUrl(env);
  return url === undefined ? new ConsoleSpanExporter() : new OTLPTraceExporter({ url });
}

/** The OTLP traces URL the environment names, if any. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}
