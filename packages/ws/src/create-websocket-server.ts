import type { Engine } from '@restbatch/core';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachWebSocket } from './attach-websocket.js';
import type { WebSocketTransportOptions } from './ws-options.js';

/** Options of {@link createWebSocketServer}. */
export interface CreateWebSocketServerOptions extends WebSocketTransportOptions {
  /** Port to listen on; 0 picks a free one (default 0). */
  port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
}

/** A listening standalone WebSocket server. */
export interface StandaloneWebSocketServer {
  readonly host: string;
  readonly port: number;
  /** `ws://host:port/path`. */
  readonly url: string;
  readonly connections: number;
  /** Closes every connection (aborting running batches), then the listening socket. */
  close(): Promise<void>;
}

/**
 * Starts a WebSocket-only server: an HTTP server that answers 426 to plain requests and serves
 * the protocol at `path`. Resolves once it is listening.
 */
export async function createWebSocketServer(
  engine: Engine,
  options: CreateWebSocketServerOptions = {},
): Promise<StandaloneWebSocketServer> {
  const server = createServer((_request, response) => {
    response.writeHead(426, { connection: 'close', upgrade: 'websocket', 'content-length': '0' }).end();
  });
  const transport = attachWebSocket(engine, { ...options, server });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    host: address.address,
    port: address.port,
    url: `ws://${host}:${address.port}${options.path ?? '/rest/ws'}`,
    get connections() {
      return transport.connections;
    },
    async close() {
      await transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
