import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine, Logger, SessionStore } from '@restbatch/core';
import { createHttpHandler, type ResponseEvent } from '@restbatch/http';
import { createPlaygroundHandler } from '@restbatch/playground';
import { attachWebSocket } from '@restbatch/ws';
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
  /** Receives one line per batch. */
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
  const engine = options.engine ?? createExampleEngine({ store: options.store, logger: options.logger, telemetry: telemetry?.telemetry });
  const log = options.log;
  const limits = resolveListener(options);
  const batches = createHttpHandler(engine, {
    writeTimeoutMs: limits.writeTimeoutMs,
    onResponse: log === undefined ? undefined : (event) => logBatch(event, log),
  });
  const handler: typeof batches =
    telemetry === undefined
      ? batches
      : (req, res) => {
          if (req.method !== 'GET' || req.url !== '/metrics') return batches(req, res);
          telemetry.metrics().then(
            (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
            () => res.writeHead(500).end(),
          );
        };
  // GET /playground: the batch playground page, served from memory (packages/playground).
  const playground = createPlaygroundHandler();
  const server = createListener((req, res) => playground(req, res) || handler(req, res), limits);
  // WebSocket: the ws transport attaches here (ws://HOST:PORT/rest/ws), through `attach`.
  const ws = attachWebSocket(engine, { server, path: '/rest/ws' });
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

function logBatch(event: ResponseEvent, log: (line: string) => void): void {
  if (event.kind !== 'batch') return;
  const s = event.summary;
  const count = s === undefined ? '-' : String(s.succeeded + s.failed + s.skipped);
  const summary = s === undefined ? `status=${event.status}` : `succeeded=${s.succeeded} failed=${s.failed} skipped=${s.skipped}`;
  const path = event.url.split('?', 1)[0];
  log(`${event.method} ${path} ${count} sub-requests ${summary} ${event.ms.toFixed(1)}ms${event.streamed ? ' (ndjson)' : ''}`);
}
