// Public API of the example server, for tests and for apps that embed it.
export { createExampleEngine, type ExampleEngineOptions, exampleApis } from './example-engine.js';
export { engineBatchLog, httpBatchLog } from './batch-log.js';
export { exampleLogger, LOG_LEVELS } from './example-logger.js';
export { type ExampleTelemetry, exampleTelemetry, resourceFromEnv } from './example-telemetry.js';
export { JsonLinesSpanExporter } from './json-lines-span-exporter.js';
export { otlpTracesUrl, spanExporterFromEnv } from './span-exporter-from-env.js';
export { PrometheusTextReader } from './prometheus-text.js';
export { type ExampleServer, type ExampleServerOptions, type ServerAttachment, startExampleServer } from './start-example-server.js';
export { type ClaimApiOptions, claimApi } from './claim-api/claim-api.js';
export { CLAIM_STORE, ClaimStore } from './claim-api/claim-store.js';
export { type ClaimLimits, DEFAULT_CLAIM_LIMITS } from './claim-api/claim-limits.js';
export {
  createListener,
  DEFAULT_LISTENER,
  LISTENER_ENV,
  type ListenerOptions,
  listenerOptionsFromEnv,
  resolveListener,
} from './listener-options.js';
