import 'reflect-metadata';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { createEngine, type Engine, odataDialect } from '@restbatch/core';
import { TodoService, TodosResource } from '@restbatch/example-fastify';
import { restbatch } from '@restbatch/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorOf, responsesOf, send, TODOS_ANSWER, TODOS_BATCH } from './support/todos-client.js';

/** The Todos API at `base`, batched in OData at `$batch`. */
function todosEngine(base: string): Engine {
  return createEngine({
    apis: [
      {
        base,
        resources: [TodosResource],
        batch: [{ path: '$batch', dialect: odataDialect() }],
        register: (container) => container.registerInstance(TodoService, new TodoService()),
      },
    ],
  });
}

/** POSTs `body` with exactly this Content-Type header (node:http sends even an empty value). */
function postTyped(url: string, type: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': type } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        data += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (const type of [';;', '', 'a/b/c']) {
  test(`Fastify: an invalid Content-Type ${JSON.stringify(type)} on a plugin route gets 415 UNSUPPORTED_MEDIA_TYPE in the dialect shape, past the app's error handler`, async () => {
    const app: FastifyInstance = Fastify();
    const appErrors: string[] = [];
    app.setErrorHandler((error: { code?: string }, _request, reply) => {
      appErrors.push(String(error.code));
      return reply.code(500).send({ app: 'error' });
    });
    await app.register(restbatch, { engine: todosEngine('/api') });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      for (const path of ['/api/$batch', '/api/todos']) {
        const res = await postTyped(`${url}${path}`, type, JSON.stringify(TODOS_BATCH));
        assert.is(res.status, 415);
        assert.is(errorOf(res.json).code, 'UNSUPPORTED_MEDIA_TYPE');
        assert.match(errorOf(res.json).message, 'not a valid media type');
      }
      assert.equal(appErrors, []);
    } finally {
      await app.close();
    }
  });
}

test("Fastify: a body shorter than its Content-Length (a preParsing hook's stream) gets 400 INVALID_HEADER in the dialect shape", async () => {
  const app = Fastify();
  app.addHook('preParsing', async (_request, _reply, _payload) => Readable.from([Buffer.from('{}')]));
  await app.register(restbatch, { engine: todosEngine('/api') });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const res = await postTyped(`${url}/api/todos`, 'application/json', JSON.stringify({ title: 'milk' }));
    assert.is(res.status, 400);
    assert.is(errorOf(res.json).code, 'INVALID_HEADER');
    assert.match(errorOf(res.json).message, 'Content-Length');
  } finally {
    await app.close();
  }
});

test('Fastify under a prefix serves an engine whose API base includes the prefix', async () => {
  const app = Fastify();
  await app.register(restbatch, { engine: todosEngine('/v1/api'), prefix: '/v1' });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const res = await send(`${url}/v1/api/$batch`, 'POST', TODOS_BATCH);
    assert.is(res.status, 200);
    assert.equal(responsesOf(res.json), TODOS_ANSWER);
    assert.is((await send(`${url}/api/todos`, 'GET')).status, 404);
  } finally {
    await app.close();
  }
});

test('Fastify under a prefix that holds no API base of the engine fails to start, naming the base to use', async () => {
  const app = Fastify();
  try {
    app.register(restbatch, { engine: todosEngine('/api'), prefix: '/v1' });
    let failure: unknown;
    try {
      await app.ready();
    } catch (error) {
      failure = error;
    }
    assert.instance(failure, Error);
    assert.match((failure as Error).message, 'prefix /v1');
    assert.match((failure as Error).message, 'base /v1/api');
  } finally {
    await app.close();
  }
});

test.run();
