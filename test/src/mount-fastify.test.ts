import 'reflect-metadata';
import { createFastifyApp, createTodosEngine } from '@restbatch/example-fastify';
import type { FastifyInstance } from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorOf, responsesOf, send, TODOS_ANSWER, TODOS_BATCH } from './support/todos-client.js';

/** The Fastify example on 127.0.0.1 at a free port, with one route of the app's own added. */
async function start(): Promise<{ app: FastifyInstance; url: string }> {
  const app = await createFastifyApp(createTodosEngine());
  app.post('/echo', async (request) => ({ echoed: request.body }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

test('a batch through the Fastify plugin runs in order against the injected service', async () => {
  const { app, url } = await start();
  try {
    const res = await send(`${url}/api/$batch`, 'POST', TODOS_BATCH);
    assert.is(res.status, 200);
    assert.equal(responsesOf(res.json), TODOS_ANSWER);
  } finally {
    await app.close();
  }
});

test('ordinary calls through the Fastify plugin answer with their own status and JSON', async () => {
  const { app, url } = await start();
  try {
    const added = await send(`${url}/api/todos`, 'POST', { title: 'bread' });
    assert.is(added.status, 201);
    assert.is(added.type, 'application/json; charset=utf-8');
    assert.equal(added.json, { id: '1', title: 'bread', done: false });
    const read = await send(`${url}/api/todos/1`, 'GET');
    assert.is(read.status, 200);
    assert.equal(read.json, { id: '1', title: 'bread', done: false });
    const missing = await send(`${url}/api/todos/9`, 'GET');
    assert.is(missing.status, 404);
    assert.is(errorOf(missing.json).code, 'NOT_FOUND');
  } finally {
    await app.close();
  }
});

test('bad JSON is parsed once, by the engine, and answered in the dialect shape', async () => {
  const { app, url } = await start();
  try {
    const res = await send(`${url}/api/$batch`, 'POST', '{"requests": [', { 'content-type': 'application/json' });
    assert.is(res.status, 400);
    assert.is(errorOf(res.json).code, 'JSON_MALFORMED');
    const invalid = await send(`${url}/api/todos`, 'POST', { title: '' });
    assert.is(invalid.status, 400);
    assert.is(errorOf(invalid.json).code, 'VALIDATION_FAILED');
  } finally {
    await app.close();
  }
});

test("a body over the plugin's limit is refused by Fastify while reading, with the dialect's 413", async () => {
  const { app, url } = await start();
  try {
    const big = JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/todos', body: 'x'.repeat(70 * 1024) }] });
    const res = await send(`${url}/api/$batch`, 'POST', big, { 'content-type': 'application/json', 'odata-version': '4.01' });
    assert.is(res.status, 413);
    assert.equal(res.json?.error, { code: 'PAYLOAD_TOO_LARGE', message: 'The body is larger than the limit of 65536 bytes' });
    // OData Protocol §8.1.5 "MUST include the OData-Version header on a response", a refusal too.
    assert.is(res.headers['odata-version'], '4.01');
  } finally {
    await app.close();
  }
});

test("the plugin is encapsulated: the app's routes keep Fastify's JSON parser, other paths get Fastify's 404", async () => {
  const { app, url } = await start();
  try {
    const echoed = await send(`${url}/echo`, 'POST', { a: 1 });
    assert.is(echoed.status, 200);
    assert.equal(echoed.json, { echoed: { a: 1 } });
    const health = await send(`${url}/health`, 'GET');
    assert.equal(health.json, { ok: true });
    const other = await send(`${url}/elsewhere`, 'GET');
    assert.is(other.status, 404);
    assert.is(other.json?.message, 'Route GET:/elsewhere not found');
  } finally {
    await app.close();
  }
});

test('a batch asked for as NDJSON streams one line per sub-result, then the summary', async () => {
  const { app, url } = await start();
  try {
    const res = await send(`${url}/api/$batch`, 'POST', TODOS_BATCH, { accept: 'application/x-ndjson' });
    assert.is(res.status, 200);
    assert.is(res.type, 'application/x-ndjson; charset=utf-8');
    assert.is(res.headers['x-accel-buffering'], 'no');
    assert.is(res.headers['cache-control'], 'no-cache');
    const lines = res.raw
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(
      lines.slice(0, 2).map((l: { id: string; status: number; body: unknown }) => ({ id: l.id, status: l.status, body: l.body })),
      TODOS_ANSWER,
    );
    assert.equal(lines[2], { summary: { succeeded: 2, failed: 0, skipped: 0 } });
    // OData Protocol §8.1.5 "MUST include the OData-Version header on a response": streamed too.
    const odata = await send(`${url}/api/$batch`, 'POST', TODOS_BATCH, { accept: 'application/x-ndjson', 'odata-version': '4.01' });
    assert.is(odata.type, 'application/x-ndjson; charset=utf-8');
    assert.is(odata.headers['odata-version'], '4.01');
  } finally {
    await app.close();
  }
});

test.run();
