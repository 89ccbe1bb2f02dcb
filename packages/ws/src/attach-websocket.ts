import type { Engine } from '@restbatch/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { ClosingSocket } from './closing-socket.js';
import { CLOSE_GOING_AWAY } from './close-codes.js';
import { Connection } from './connection.js';
import { upgradeOf } from './merge-headers.js';
import { SendBudget } from './send-budget.js';
import { listenForUpgrades } from './upgrade-listener.js';
import { resolveWsOptions, type WebSocketTransportOptions } from './ws-options.js';

/** How long a connection's buffer may stay without falling, while messages wait for the global send budget, before it is cut off. */
const CROWDED_STALL_MS = 1000;

/** Options of {@link attachWebSocket}. */
export interface AttachWebSocketOptions extends WebSocketTransportOptions {
  /** The HTTP server whose upgrades at `path` become restbatch connections. */
  server: Server;
}

/** A running WebSocket transport. */
export interface WebSocketTransport {
  /** Open connections. */
  readonly connections: number;
  /** Bytes waiting to be sent, summed over every open connection (bounded by `maxTotalBufferedBytes`). */
  readonly buffered: number;
  /**
   * Stops taking upgrades; on every connection refuses new requests (`SHUTTING_DOWN`), lets running
   * ones finish and send their last messages for at most `closeGraceMs`, then closes it with 1001
   * (aborting what still runs); resolves once all are closed.
   */
  close(): Promise<void>;
}

/**
 * Serves the WebSocket protocol at `path` of an existing HTTP server. Upgrades to other paths
 * are left to the server's other `upgrade` listeners; when there are none but other restbatch
 * transports, and none of them serves the path either, the upgrade is answered 404. A second
 * transport at the same path of the same server throws.
 */
export function attachWebSocket(engine: Engine, options: AttachWebSocketOptions): WebSocketTransport {
  const resolved = resolveWsOptions(engine, options);
  const { server } = options;
  // perMessageDeflate stays off: inflating is where a small frame becomes a large allocation.
  // autoPong is off: each connection answers pings through its message budget (ws's own cap of
  // 60 pending pongs would otherwise cut the socket before the documented 1008 `message rate`).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: resolved.maxPayload,
    clientTracking: false,
    perMessageDeflate: false,
    autoPong: false,
    // RFC 6455 §4.2.2: the server selects a subprotocol "that the server is willing to use", or none.
    handleProtocols: (offered) => resolved.selectSubprotocol(offered),
    // Tells each connection when a close frame arrives, not only when the TCP socket closes.
    WebSocket: ClosingSocket,
  });
  const connections = new Set<Connection>();
  const sockets = new Set<WebSocket>();
  // While messages wait for room, a connection whose buffer has not fallen for a second is not
  // reading: waiting longer lets the waiting messages (held as text) and their batches pile up.
  const budget = new SendBudget(resolved.maxTotalBufferedBytes, Math.min(resolved.drainTimeoutMs, CROWDED_STALL_MS));
  let closing: Promise<void> | undefined;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Before anything else is decided: a page of another site must not learn whether the server is busy.
    if (!resolved.acceptUpgrade(request)) return refuse(socket, 403, 'Forbidden');
    if (closing !== undefined) return refuse(socket, 503, 'Service Unavailable');
    // ws completes the handshake synchronously (no verifyClient), so the count is exact here.
    if (connections.size >= resolved.maxConnections) return refuse(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(request, socket, head, (ws) => {
      const upgrade = upgradeOf(request.headers);
      const connection = new Connection(ws, engine, resolved, upgrade, request.socket.remoteAddress, budget);
      connections.add(connection);
      sockets.add(ws);
      ws.once('close', () => {
        connections.delete(connection);
        sockets.delete(ws);
      });
    });
  };
  const stopListening = listenForUpgrades(server, resolved.path, onUpgrade, (socket) => refuse(socket, 404, 'Not Found'));

  return {
    get connections() {
      return connections.size;
    },
    get buffered() {
      let sum = 0;
      for (const connection of connections) sum += connection.buffered;
      return sum;
    },
    close() {
      closing ??= (async () => {
        stopListening();
        const closed = [...sockets].map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
        for (const connection of connections) void connection.shutdown(CLOSE_GOING_AWAY, 'The server is shutting down');
        await Promise.all(closed);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closing;
    },
  };
}

/** Answers an upgrade with an HTTP error and destroys the socket once the answer is written. */
function refuse(socket: Duplex, status: number, text: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
