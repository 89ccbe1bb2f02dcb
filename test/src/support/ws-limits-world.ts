import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Client, createClient, httpTransport, type Transport, type WsTransportOptions, wsTransport } from '@restbatch/client';
import { createEngine, Get, type HandlerContext, odataDialect, Post, Resource } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { attachWebSocket, type WebSocketTransportOptions } from '@restbatch/ws';
import { inject } from 'tsyringe';
import WebSocket from 'ws';

const LIMITS_LAB = Symbol('test.ws-limits-lab');

/** What the handlers saw: holds running now and at most, and every start and end in order. */
export class LimitsLab {
  running = 0;
  maxRunning = 0;
  readonly log: string[] = [];
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });

  /** Lets every held handler (and every later one) finish. */
  open(): void {
    this.#open();
  }

  async hold(name: string): Promise<{ name: string }> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.log.push(`start ${name}`);
    await this.#gate;
    this.running--;
    this.log.push(`end ${name}`);
    return { name };
  }
}

@Resource('lab')
class LimitsResource {
  constructor(@inject(LIMITS_LAB) private readonly lab: LimitsLab) {}

  /** Waits until the test opens the gate. */
  @Post('hold/:name')
  hold(ctx: HandlerContext) {
    return this.lab.hold(ctx.params.name!);
  }

  /** Answers at once, with how long the text it was sent is. */
  @Post('echo')
  echo(ctx: HandlerContext) {
    this.lab.log.push('echo');
    return { length: String((ctx.body as { text?: unknown } | undefined)?.text ?? '').length };
  }

  @Get('ping')
  ping() {
    return { pong: true };
  }
}

type NoParameters = { query?: never; header?: never; path?: never; cookie?: never };

/** The paths of the test API, as openapi-typescript would write them. */
export type LimitsPaths = {
  '/api/lab/hold/{name}': {
    post: { parameters: { path: { name: string } }; responses: { 200: { content: { 'application/json': { name: string } } } } };
  };
  '/api/lab/echo': {
    post: {
      parameters: NoParameters;
      requestBody: { content: { 'application/json': { text: string } } };
      responses: { 200: { content: { 'application/json': { length: number } } } };
    };
  };
  '/api/lab/ping': { get: { parameters: NoParameters; responses: { 200: { content: { 'application/json': { pong: boolean } } } } } };
};

export type Kind = 'http' | 'ws';

export interface LimitsWorld {
  lab: LimitsLab;
  wsUrl: string;
  /** A client over `kind`; `wrap` sees (and may record) each request and answer. */
  client(kind: Kind, options?: Partial<WsTransportOptions>, wrap?: (inner: Transport) => Transport): Client<LimitsPaths>;
}

/** Runs `fn` against a real engine served over HTTP and WebSocket (with `ws` options) on 127.0.0.1; closes everything after. */
export async function withLimitsWorld(ws: WebSocketTransportOptions, fn: (world: LimitsWorld) => Promise<void>): Promise<void> {
  const lab = new LimitsLab();
  const engine = createEngine({
    apis: [
      {
        base: '/api',
        resources: [LimitsResource],
        batch: [{ path: '$batch', dialect: odataDialect() }],
        register: (container) => container.registerInstance(LIMITS_LAB, lab),
      },
    ],
    logger: { error: () => undefined },
  });
  const server = createServer(createHttpHandler(engine));
  const transport = attachWebSocket(engine, { ...ws, server, path: '/rest/ws' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const clients: Client<LimitsPaths>[] = [];
  try {
    await fn({
      lab,
      wsUrl: `ws://127.0.0.1:${port}/rest/ws`,
      client(kind, options = {}, wrap = (inner) => inner) {
        const inner =
          kind === 'http'
            ? httpTransport({ baseUrl: `http://127.0.0.1:${port}` })
            : wsTransport({ url: `ws://127.0.0.1:${port}/rest/ws`, WebSocket, ...options });
        const client = createClient<LimitsPaths>({ transport: wrap(inner), endpoints: { '/api/$batch': 'odata' } });
        clients.push(client);
        return client;
      },
    });
  } finally {
    lab.open();
    for (const client of clients) await client.close();
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await engine.close();
  }
}
