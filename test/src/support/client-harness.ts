import {
  type Client,
  type ClientOptions,
  createClient,
  httpTransport,
  type Transport,
  type WireRequest,
  wsTransport,
} from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import type { Engine } from '@restbatch/core';
import type { paths as examplePaths } from '@restbatch/example-client';
import { startExampleServer } from '@restbatch/example-server';
import WebSocket from 'ws';
import { clientTestEngine, type LabState } from './client-engine.js';

/** The example server's paths plus the test's `/api/lab` routes. */
export type TestPaths = examplePaths & {
  '/api/lab/echo': {
    get: { parameters: { query?: { i?: number } }; responses: { 200: { content: { 'application/json': { query: { i?: string } } } } } };
  };
  '/api/lab/flaky/{key}': {
    get: {
      parameters: { path: { key: string }; query?: FlakyQuery };
      responses: { 200: { content: { 'application/json': { calls: number } } } };
    };
    post: {
      parameters: { path: { key: string }; query?: FlakyQuery };
      responses: { 200: { content: { 'application/json': { calls: number } } } };
    };
  };
  '/api/lab/typed': {
    get: { parameters: { query?: never }; responses: { 200: { content: { 'application/json': { typed: boolean } } } } };
  };
  '/api/lab/gate/{name}': {
    post: { parameters: { path: { name: string } }; responses: { 200: { content: { 'application/json': { name: string } } } } };
  };
};

/** How `/api/lab/flaky/{key}` fails: how many times, with which status and `Retry-After` (`none`: no header). */
interface FlakyQuery {
  fail?: number;
  status?: 429 | 503;
  after?: string;
}

export type TransportKind = 'http' | 'ws' | 'direct';

/** What a scenario gets: a client factory over one transport, what that transport sent, and the lab. */
export interface ClientWorld {
  kind: TransportKind;
  engine: Engine;
  lab: LabState;
  /** Every request the transport carried, in order. */
  sent: WireRequest[];
  /** A client over a transport of its own; `onSend` sees each request as it is sent (before the transport has it). */
  client(options?: Partial<ClientOptions>, onSend?: (request: WireRequest) => void): Client<TestPaths>;
}

export const ENDPOINTS = { '/rest/batch': 'exago', '/rest/claim/v1/$batch': 'odata', '/api/$batch': 'odata' } as const;

/** Runs `fn` with a fresh engine served over `kind` (a real server on 127.0.0.1 for HTTP and WebSocket). */
export async function withClientWorld(kind: TransportKind, fn: (world: ClientWorld) => Promise<void>): Promise<void> {
  const { engine, lab } = clientTestEngine();
  const server = kind === 'direct' ? undefined : await startExampleServer({ port: 0, engine });
  const clients: Client<TestPaths>[] = [];
  const sent: WireRequest[] = [];
  const make = (): Transport => {
    if (kind === 'direct') return directTransport(engine);
    if (kind === 'http') return httpTransport({ baseUrl: server!.url });
    return wsTransport({ url: `${server!.url.replace('http', 'ws')}/rest/ws`, WebSocket });
  };
  try {
    await fn({
      kind,
      engine,
      lab,
      sent,
      client(options = {}, onSend) {
        const inner = make();
        const transport: Transport = {
          send: (request) => {
            sent.push(request);
            onSend?.(request);
            return inner.send(request);
          },
          close: () => inner.close?.() ?? Promise.resolve(),
        };
        const client = createClient<TestPaths>({ endpoints: ENDPOINTS, ...options, transport });
        clients.push(client);
        return client;
      },
    });
  } finally {
    lab.openAll();
    for (const client of clients) await client.close();
    if (server !== undefined) await server.close();
    else await engine.close();
  }
}
