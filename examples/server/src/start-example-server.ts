import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine, Logger, SessionStore } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { createPlaygroundHandler } from '@restbatch/playground';
import { attachWebSocket } from '@restbatch/ws';
import { engineBatchLog, httpBatchLog } from './batch-log.js';
import { createExampleEngine } from './example-engine.js';
import type { ExampleTelemetry } from './example-telemetry.js';
import { createListener, type ListenerOptions, resolveListener } from './listener-options.js';

/** Something attached to the server next to HTTP (the WebSocket transport); may return its closer. */
export type ServerAttachment = (server: Server, engine: Engine) => undefined | (() => Promise<void> | void);

/** Options of {@link startExampleServer}: where to listen, what to serve, and the listener's limits. */
export interface ExampleServerOptions extends ListenerOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Session store of the example engine (ignored when `engine` is given). */
  store?: SessionStore;
  /** Serve this engine instead of the example one (tests pass engines with their own resources). */
  engine?: Engine;
  /**
   * Receives one line per batch, of every transport (HTTP lines from the HTTP transport, the others
   * from the example engine's `onBatchEnd`; with your own `engine`, give it `engineBatchLog(log)` as
   * its `onBatchEnd` to have its WebSocket batches logged too).
   */
  log?: (line: string) => void;
  /** The example engine's logger (ignored when `engine` is given). */
  logger?: Logger;
  /** OpenTelemetry of the example engine (ignored when `engine` is given); its metrics at `GET /metrics`. */
  telemetry?: ExampleTelemetry;
  /** Transports attached to the same server, such as WebSocket at `/rest/ws`. */
  attach?: readonly ServerAttachment[];
}

/** A running example server. */
export interface ExampleServer {
  /** `http://HOST:PORT`. */
  readonly url: string;
  readonly server: Server;
  readonly engine: Engine;
  /** Graceful stop: new requests get 503 while running batches finish; then the server closes. */
  close(): Promise<void>;
}

/** Starts the example server: the HTTP transport on `node:http`, plus any attachments. */
export async function startExampleServer(options: ExampleServerOptions = {}): Promise<ExampleServer> {
  const telemetry = options.telemetry;
  const log = options.log;
  // HTTP batches are logged by the HTTP transport (time to the last byte written, NDJSON noted), the
  // others (WebSocket) by the engine's onBatchEnd hook: only the engine sees every transport's batches.
  const engine =
    options.engine ??
    createExampleEngine({
      store: options.store,
      logger: options.logger,
      telemetry: telemetry?.telemetry,
      onBatchEnd: log === undefined ? undefined : engineBatchLog(log),
    });
  const limits = resolveListener(options);
  const batches = createHttpHandler(engine, {
    writeTimeoutMs: limits.writeTimeoutMs,
    onResponse: log === undefined ? undefined : httpBatchLog(log),
  });
  // `expects`: the request came by the server's `checkContinue` event (see below).
  const handler = (req: IncomingMessage, res: ServerResponse, expects = false) => {
    if (telemetry === undefined || req.method !== 'GET' || req.url !== '/metrics')
      return expects ? batches.checkContinue(req, res) : batches(req, res);
    telemetry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      () => res.writeHead(500).end(),
    );
  };
  // GET /playground: the batch playground page, served from memory (packages/playground).
  const playground = createPlaygroundHandler();
  const server = createListener((req, res) => playground(req, res) || handler(req, res), limits);
  // A body over the limit is refused at once, not invited with `100 Continue` (curl sends
  // `Expect: 100-continue` above 1 MB; so do .NET's HttpClient and others for large bodies).
  server.on('checkContinue', (req, res) => playground(req, res) || handler(req, res, true));
  // WebSocket: the ws transport attaches here (ws://HOST:PORT/rest/ws), through `attach`.
  // Browser pages may connect only from this server's own origin (the playground); other clients send no Origin.
  const ws = attachWebSocket(engine, { server, path: '/rest/ws', allowedOrigins: sameHost });
  const closers = (options.attach ?? []).map((attach) => attach(server, engine));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    server,
    engine,
    close() {
      closing ??= (async () => {
        // The engine first: while it drains, the server still answers new requests with 503. It
        // resolves once the last answers were handed to the transports; the WebSocket transport's
        // close() then sends them (within its closeGraceMs) before closing with 1001.
        await engine.close();
        await ws.close();
        for (const close of closers) await close?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

/** Whether a page's origin is the server's own: its host is the one the upgrade request was sent to. */
function sameHost(origin: string, request: IncomingMessage): boolean {
  try {
    return new URL(origin).host === request.headers.host?.toLowerCase();
  } catch {
    return false; // `null` (a sandboxed page, a file) or not a URL
  }
}
