// The example server: HOST (default 127.0.0.1), PORT (default 8080), REDIS_URL / REDIS_CLUSTER_NODES /
// REDIS_SENTINELS (see below), and the
// listener's limits HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS,
// HTTP_IDLE_TIMEOUT_MS, HTTP_MAX_CONNECTIONS, HTTP_WRITE_TIMEOUT_MS (README.md lists their defaults),
// LOG_FORMAT=json (pino JSON lines), LOG_LEVEL and OTEL_ENABLED=1 (docs/observability.md).
import { exampleLogger } from './example-logger.js';
import { exampleTelemetry } from './example-telemetry.js';
import { listenerOptionsFromEnv } from './listener-options.js';
import { redisStoreFromEnv } from './redis-store-from-env.js';
import { startExampleServer } from './start-example-server.js';

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 8080);
// Several nodes share sessions through Redis when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is
// set (redis-store-from-env.ts); one node keeps them in memory.
const store = redisStoreFromEnv(process.env);

// A bad value stops the server with one line naming the variable (not a stack trace).
const { limits, logger } = configFromEnv();
const log = process.env.LOG_FORMAT === 'json' ? undefined : (line: string) => console.log(line);
// OTEL_ENABLED=1: spans by OTLP or as JSON lines on stderr, Prometheus text at GET /metrics.
const telemetry = exampleTelemetry(process.env);
const running = await startExampleServer({ host, port, store, ...limits, log, logger, telemetry });
const seedBatch = `[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]`;
console.log(`restbatch example server listening on ${running.url}`);
console.log(`Try: curl ${running.url}/rest/batch -X POST -d "${seedBatch}"`);

function configFromEnv() {
  try {
    // LOG_FORMAT=json: the engine logs one JSON line per batch through pino; else the server prints a human line.
    return { limits: listenerOptionsFromEnv(process.env), logger: exampleLogger(process.env) };
  } catch (error) {
    console.error(`restbatch example server: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing running batches; new requests get 503`);
  running
    .close()
    .then(() => store?.close())
    .then(() => telemetry?.shutdown())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
