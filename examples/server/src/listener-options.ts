import { createServer, type RequestListener, type Server } from 'node:http';

/** Limits of the example server's `node:http` listener; each has a default and an environment variable. */
export interface ListenerOptions {
  /** Time to receive a request's headers, from the connection or the previous request (default 10 000 ms). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, headers and body (default 30 000 ms): a body sent at 1 byte/s is cut. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests (default 5 000 ms). */
  keepAliveTimeoutMs?: number;
  /** A socket with no traffic either way for this long is closed (default 60 000 ms; WebSocket connections are exempt). */
  idleTimeoutMs?: number;
  /** Open connections at most (HTTP and WebSocket); more are closed as they arrive (default 1024). */
  maxConnections?: number;
  /** How long a streamed (NDJSON) answer waits for a client that stopped reading (default 30 000 ms). */
  writeTimeoutMs?: number;
}

/** The defaults of {@link ListenerOptions}. */
export const DEFAULT_LISTENER: Readonly<Required<ListenerOptions>> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxConnections: 1024,
  writeTimeoutMs: 30_000,
});

/** The environment variable of each option. */
export const LISTENER_ENV: Readonly<Record<keyof ListenerOptions, string>> = Object.freeze({
  headersTimeoutMs: 'HTTP_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'HTTP_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'HTTP_KEEP_ALIVE_TIMEOUT_MS',
  idleTimeoutMs: 'HTTP_IDLE_TIMEOUT_MS',
  maxConnections: 'HTTP_MAX_CONNECTIONS',
  writeTimeoutMs: 'HTTP_WRITE_TIMEOUT_MS',
});

/** Reads the options set in `env`; throws, naming the variable, for a value that is not a non-negative integer. */
export function listenerOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): ListenerOptions {
  const out: ListenerOptions = {};
  for (const [key, name] of Object.entries(LISTENER_ENV) as Array<[keyof ListenerOptions, string]>) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (!/^\d{1,10}$/.test(text)) throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
    out[key] = Number(text);
  }
  return out;
}

/** The options in effect: the defaults under `options`, checked (0 turns a timeout off, never the connection cap). */
export function resolveListener(options: ListenerOptions): Required<ListenerOptions> {
  const resolved = { ...DEFAULT_LISTENER };
  for (const key of Object.keys(DEFAULT_LISTENER) as Array<keyof ListenerOptions>) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${key} must be a non-negative integer, not ${value}`);
    resolved[key] = value;
  }
  if (resolved.maxConnections < 1) throw new Error('maxConnections must be at least 1');
  const { headersTimeoutMs: headers, requestTimeoutMs: request } = resolved;
  if (headers > 0 && request > 0 && headers > request) {
    throw new Error(`headersTimeoutMs (${headers}) must not exceed requestTimeoutMs (${request})`);
  }
  return resolved;
}

/** A `node:http` server for `listener` with the limits of `options` (resolved by {@link resolveListener}). */
export function createListener(listener: RequestListener, options: Required<ListenerOptions>): Server {
  const shortest = Math.min(...[options.headersTimeoutMs, options.requestTimeoutMs].filter((ms) => ms > 0));
  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      // Node checks the two timeouts every 30 s by default: a 1 s timeout would be enforced 30 s late.
      connectionsCheckingInterval: Number.isFinite(shortest) ? Math.min(30_000, Math.max(50, Math.floor(shortest / 4))) : 30_000,
    },
    listener,
  );
  server.maxConnections = options.maxConnections;
  // A socket idle longer than this is destroyed (node does so when the server has no 'timeout' listener).
  server.timeout = options.idleTimeoutMs;
  return server;
}
