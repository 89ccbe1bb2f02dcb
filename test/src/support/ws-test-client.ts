import { createServer, type RequestListener } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Engine } from '@restbatch/core';
import {
  attachWebSocket,
  type ResponseMessage,
  type ResultMessage,
  type ServerMessage,
  type WebSocketTransport,
  type WebSocketTransportOptions,
} from '@restbatch/ws';
import { type ClientOptions, WebSocket } from 'ws';
import { TLS_CREDENTIALS } from './listen-tls.js';

/**
 * Serves the WebSocket transport of `engine` on 127.0.0.1 at a free port; with `tls`, on an HTTPS
 * server with the test certificate (a `wss:` URL: its clients pass `rejectUnauthorized: false`).
 */
export async function startWs(
  engine: Engine,
  options: WebSocketTransportOptions = {},
  { tls = false }: { tls?: boolean } = {},
): Promise<{ url: string; transport: WebSocketTransport; close: () => Promise<void> }> {
  const notFound: RequestListener = (_req, res) => res.writeHead(404).end();
  const server = tls ? createTlsServer(TLS_CREDENTIALS, notFound) : createServer(notFound);
  const transport = attachWebSocket(engine, { ...options, server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}${options.path ?? '/rest/ws'}`,
    transport,
    close: async () => {
      await transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What a request produced: its result messages in arrival order, then its final message. */
export interface Answer {
  results: ResultMessage[];
  final: ServerMessage;
}

/** A `ws` client that records every message and waits for them by correlation id. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static open(url: string, headers: Record<string, string> = {}, options: ClientOptions = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { ...options, headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends an object as JSON text, or a string / bytes as they are. */
  send(message: unknown): void {
    this.socket.send(typeof message === 'string' || message instanceof Uint8Array ? message : JSON.stringify(message));
  }

  /**
   * Resolves once the server has read every frame sent so far: a ping's pong comes back after the
   * frames before it were read, in order (the server answers pings itself, charging its message budget).
   */
  flushed(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('pong', () => resolve());
      this.socket.ping();
    });
  }

  /** Resolves with the first message (already received or future) that matches. */
  async next(match: (m: ServerMessage) => boolean): Promise<ServerMessage> {
    for (;;) {
      const found = this.messages.find(match);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves once the request `id` has its final message (response or error). */
  async answer(id: string | number): Promise<Answer> {
    const final = await this.next((m) => m.id === id && m.type !== 'result' && m.type !== 'results');
    const results = this.messages.filter((m): m is ResultMessage => m.id === id && m.type === 'result');
    return { results, final };
  }

  /** Sends a request and waits for its answer. */
  async request(message: { id: string | number } & Record<string, unknown>): Promise<Answer> {
    this.send(message);
    return this.answer(message.id);
  }

  /** The final message of `id` as a response (fails the test otherwise). */
  static response(answer: Answer): ResponseMessage {
    if (answer.final.type !== 'response') throw new Error(`expected a response, got ${JSON.stringify(answer.final)}`);
    return answer.final;
  }

  close(): Promise<unknown> {
    this.socket.close();
    return this.closed;
  }
}
