import 'reflect-metadata';
import { serve } from '@hono/node-server';
import type { Engine } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHonoApp } from '@restbatch/example-hono';
import { restbatch } from '@restbatch/fastify';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { listen } from './listen.js';
import { startWs, TestClient } from './ws-test-client.js';

/** What a test reads of an answer: its status, its Retry-After and its error code (the canonical dialect's `error.code`). */
export interface Reply {
  status: number;
  retryAfter: string | undefined;
  code: string | undefined;
}

/** Sends one request with a JSON body (a value) to `path` of the engine. */
export type SendJson = (path: string, body: unknown, method?: string) => Promise<Reply>;

/** Every transport a body reaches the engine through. */
export const INPUT_TRANSPORTS = ['node:http', 'fetch', 'fastify', 'hono', 'ws', 'direct'] as const;

/** The transports of {@link INPUT_TRANSPORTS}. */
export type InputTransport = (typeof INPUT_TRANSPORTS)[number];

function codeOf(body: unknown): string | undefined {
  return (body as { error?: { code?: string } } | undefined)?.error?.code;
}

async function fromResponse(res: Response): Promise<Reply> {
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after') ?? undefined,
    code: codeOf(text === '' ? undefined : JSON.parse(text)),
  };
}

function post(url: string, body: unknown, method: string): Request {
  return new Request(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Runs `body` with a sender through `transport` to `engine` (its API at `/api`); servers are closed afterwards. */
export async function withSender(transport: InputTransport, engine: Engine, body: (send: SendJson) => Promise<void>): Promise<void> {
  switch (transport) {
    case 'direct': {
      const call = createDirectCaller(engine);
      await body(async (path, json, method = 'POST') => {
        const res = await call({ url: path, method, body: json });
        return { status: res.status, retryAfter: res.headers['retry-after'], code: codeOf(res.body) };
      });
      return;
    }
    case 'fetch': {
      const handle = createFetchHandler(engine);
      await body(async (path, json, method = 'POST') => fromResponse(await handle(post(`http://restbatch.test${path}`, json, method))));
      return;
    }
    case 'hono': {
      // The Hono example's mount (the fetch handler under `/api/*`), served by @hono/node-server.
      const app = createHonoApp(engine);
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      });
      const { port } = server.address() as AddressInfo;
      try {
        await body(async (path, json, method = 'POST') => fromResponse(await fetch(post(`http://127.0.0.1:${port}${path}`, json, method))));
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      return;
    }
    case 'fastify': {
      const app = Fastify();
      try {
        await app.register(restbatch, { engine });
        const url = await app.listen({ host: '127.0.0.1', port: 0 });
        await body(async (path, json, method = 'POST') => fromResponse(await fetch(post(`${url}${path}`, json, method))));
      } finally {
        await app.close();
      }
      return;
    }
    case 'node:http': {
      const server = await listen(createHttpHandler(engine));
      try {
        await body(async (path, json, method = 'POST') => fromResponse(await fetch(post(`${server.url}${path}`, json, method))));
      } finally {
        await server.close();
      }
      return;
    }
    case 'ws': {
      const ws = await startWs(engine, { path: '/api/ws' });
      let client: TestClient | undefined;
      try {
        client = await TestClient.open(ws.url);
        const open = client;
        let next = 0;
        await body(async (path, json, method = 'POST') => {
          const answer = TestClient.response(await open.request({ id: `m${next++}`, endpoint: path, method, body: json }));
          return { status: answer.status, retryAfter: answer.headers['retry-after'], code: codeOf(answer.body) };
        });
      } finally {
        await client?.close();
        await ws.close();
      }
    }
  }
}
