import 'reflect-metadata';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createTodosEngine } from '@restbatch/example-hono';
import { createFetchHandler } from '@restbatch/http';
import { Hono } from 'hono';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends one request through `agent`; `chunked` sends the body without a Content-Length. */
function call(agent: Agent, url: string, method: string, body?: string, chunked = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (body !== undefined && !chunked) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request(url, { method, agent, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        data += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    if (body !== undefined && chunked) {
      // Two writes, so the body goes out chunked and the handler reads past its limit mid-stream.
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 10);
    } else req.end(body);
  });
}

/** The Todos engine behind Hono's fetch handler with a 64-byte body limit. */
async function start(): Promise<{ url: string; close: () => Promise<void> }> {
  const handle = createFetchHandler(createTodosEngine(), { maxBodyBytes: 64 });
  const app = new Hono();
  app.all('/api/*', (c) => handle(c.req.raw));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

for (const chunked of [false, true]) {
  const how = chunked ? 'a streamed' : 'a declared';
  test(`Hono on Node: the 413 for ${how} body over the limit closes the connection, and a keep-alive agent's next request answers`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const s = await start();
    try {
      const big = JSON.stringify({ title: 'x'.repeat(200) });
      const refused = await call(agent, `${s.url}/api/todos`, 'POST', big, chunked);
      assert.is(refused.status, 413);
      assert.is(refused.headers.connection, 'close');
      assert.match(refused.body, 'PAYLOAD_TOO_LARGE');
      const next = await call(agent, `${s.url}/api/todos`, 'GET');
      assert.is(next.status, 200);
      assert.is(next.body, '[]');
    } finally {
      agent.destroy();
      await s.close();
    }
  });
}

test('the fetch handler says Connection: close on its 413 to a request it calls directly too', async () => {
  const handle = createFetchHandler(createTodosEngine(), { maxBodyBytes: 8 });
  const res = await handle(new Request('http://restbatch.test/api/todos', { method: 'POST', body: '{"title":"too long"}' }));
  assert.is(res.status, 413);
  assert.is(res.headers.get('connection'), 'close');
  const fine = await handle(new Request('http://restbatch.test/api/todos'));
  assert.is(fine.headers.get('connection'), null);
});

test.run();
