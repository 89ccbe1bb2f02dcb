import 'reflect-metadata';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createEngine, type Engine, odataDialect } from '@restbatch/core';
import { createHonoApp, TodoService, TodosResource } from '@restbatch/example-hono';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';

/** The Todos API at `/api` with a rate limit of `limit` calls per caller; `keys` records each call's caller key. */
function limitedEngine(limit: number, keys: Array<string | undefined> = []): Engine {
  return createEngine({
    apis: [
      {
        base: '/api',
        resources: [TodosResource],
        batch: [{ path: '$batch', dialect: odataDialect() }],
        register: (container) => container.registerInstance(TodoService, new TodoService()),
      },
    ],
    rateLimit: {
      limit,
      key: (_identity, call) => {
        keys.push(call.remoteAddress);
        return call.remoteAddress ?? call.transport;
      },
    },
  });
}

/** The status of `GET url` sent from the local address `from` (127.0.0.x), with `headers`. */
function statusFrom(url: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress: from, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `count` statuses of `GET url` from `from`, one after the other. */
async function statusesFrom(url: string, from: string, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push(await statusFrom(url, from, headers));
  return statuses;
}

test('through the Hono example, one client exhausting its rate limit leaves another client its own quota', async () => {
  const app = createHonoApp(limitedEngine(5));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/todos`;
    assert.equal(await statusesFrom(url, '127.0.0.3', 7), [200, 200, 200, 200, 200, 429, 429]);
    assert.equal(await statusesFrom(url, '127.0.0.2', 5), [200, 200, 200, 200, 200]);
    assert.is(await statusFrom(url, '127.0.0.2'), 429);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("the fetch handler hands the runtime's second argument to remoteAddress, and its answer keys the caller", async () => {
  const keys: Array<string | undefined> = [];
  const seen: unknown[] = [];
  const handle = createFetchHandler(limitedEngine(1, keys), {
    remoteAddress: (request, info: { remoteAddr: { hostname: string } } | undefined) => {
      seen.push([new URL(request.url).pathname, info]);
      return info?.remoteAddr.hostname;
    },
  });
  const get = (info?: { remoteAddr: { hostname: string } }) => handle(new Request('http://restbatch.test/api/todos'), info);
  const a = { remoteAddr: { hostname: '10.0.0.1' } };
  const b = { remoteAddr: { hostname: '10.0.0.2' } };
  assert.equal([(await get(a)).status, (await get(a)).status, (await get(b)).status], [200, 429, 200]);
  assert.equal(keys, ['10.0.0.1', '10.0.0.1', '10.0.0.2']);
  assert.equal(seen, [
    ['/api/todos', a],
    ['/api/todos', a],
    ['/api/todos', b],
  ]);
  // Without the option, the runtime's argument names no one: every client is the one caller `http`.
  const shared = createFetchHandler(limitedEngine(1, keys));
  assert.is((await shared(new Request('http://restbatch.test/api/todos'), a)).status, 200);
  assert.is((await shared(new Request('http://restbatch.test/api/todos'), b)).status, 429);
  assert.equal(keys.slice(3), [undefined, undefined]);
});

test("the node handler's remoteAddress option names the caller (a proxy's header), instead of the socket's address", async () => {
  const keys: Array<string | undefined> = [];
  const forwarded = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);
  const s = await listen(createHttpHandler(limitedEngine(2, keys), { remoteAddress: (req) => forwarded(req.headers['x-client']) }));
  try {
    const url = `${s.url}/api/todos`;
    assert.equal(await statusesFrom(url, '127.0.0.1', 3, { 'x-client': '203.0.113.1' }), [200, 200, 429]);
    assert.equal(await statusesFrom(url, '127.0.0.1', 2, { 'x-client': '203.0.113.2' }), [200, 200]);
    assert.equal(keys, ['203.0.113.1', '203.0.113.1', '203.0.113.1', '203.0.113.2', '203.0.113.2']);
  } finally {
    await s.close();
  }
});

test("without the option, the node handler's caller is the socket's address", async () => {
  const keys: Array<string | undefined> = [];
  const s = await listen(createHttpHandler(limitedEngine(1, keys)));
  try {
    const url = `${s.url}/api/todos`;
    assert.equal(
      [await statusFrom(url, '127.0.0.2'), await statusFrom(url, '127.0.0.2'), await statusFrom(url, '127.0.0.3')],
      [200, 429, 200],
    );
    assert.equal(keys, ['127.0.0.2', '127.0.0.2', '127.0.0.3']);
  } finally {
    await s.close();
  }
});

test.run();
