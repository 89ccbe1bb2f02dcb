import 'reflect-metadata';
import {
  createEngine,
  exagoDialect,
  Get,
  type HandlerContext,
  inject,
  Post,
  problemDetails,
  problemDetailsEncoder,
  Resource,
  RestBatchError,
} from '@restbatch/core';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';

@Resource('todos')
class Todos {
  @Get(':id')
  read(ctx: HandlerContext) {
    if (ctx.params.id !== '1') throw new RestBatchError('NOT_FOUND', `No todo ${ctx.params.id}`, { details: { id: ctx.params.id } });
    return { id: 1, title: 'Write tests' };
  }

  @Post('', { schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] } })
  create(ctx: HandlerContext<{ title: string }>) {
    return { id: 2, title: ctx.body.title };
  }

  @Get('boom')
  boom(): never {
    throw new Error('database password leaked');
  }
}

/** A plain REST API: no batch endpoint, no `errors` dialect. */
function plainEngine() {
  return createEngine({ apis: [{ base: '/api', resources: [Todos] }], logger: { error() {} } });
}

test('an API without a batch endpoint or errors dialect is created (problem details by default)', () => {
  const engine = plainEngine();
  assert.equal(engine.batchEndpoints, []);
});

test('a handler error of a plain REST API is an RFC 9457 problem details body', async () => {
  const res = await inject(plainEngine(), { url: '/api/todos/7' });
  assert.is(res.status, 404);
  assert.is(res.headers['content-type'], 'application/problem+json');
  assert.equal(res.json(), {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    detail: 'No todo 7',
    code: 'NOT_FOUND',
    details: { id: '7' },
  });
});

test('a validation failure and an unknown route are problem details too', async () => {
  const engine = plainEngine();
  const invalid = await inject(engine, { method: 'POST', url: '/api/todos', body: { title: 3 } });
  assert.is(invalid.status, 400);
  assert.is(invalid.headers['content-type'], 'application/problem+json');
  const body = invalid.json<{ code: string; title: string; status: number }>();
  assert.is(body.code, 'VALIDATION_FAILED');
  assert.is(body.title, 'Bad Request');
  assert.is(body.status, 400);
  const missing = await inject(engine, { url: '/api/nothing' });
  assert.is(missing.status, 404);
  assert.is(missing.json<{ code: string }>().code, 'ROUTE_NOT_FOUND');
});

test('an unexpected error is a problem with a generic detail and a correlation id, never the message', async () => {
  const res = await inject(plainEngine(), { url: '/api/todos/boom' });
  assert.is(res.status, 500);
  const body = res.json<Record<string, unknown>>();
  assert.is(body.detail, 'Internal server error');
  assert.is(body.code, 'INTERNAL');
  assert.type(body.correlationId, 'string');
  assert.not.ok(res.body.includes('password'));
});

test('a rejection before the handler (a method not allowed) carries problem details and its Allow header', async () => {
  const res = await inject(plainEngine(), { method: 'DELETE', url: '/api/todos/1' });
  assert.is(res.status, 405);
  assert.is(res.headers['content-type'], 'application/problem+json');
  assert.is(res.headers.allow, 'GET, HEAD');
  assert.is(res.json<{ code: string }>().code, 'METHOD_NOT_ALLOWED');
});

test('successful answers stay application/json', async () => {
  const res = await inject(plainEngine(), { url: '/api/todos/1' });
  assert.is(res.status, 200);
  assert.is(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(res.json(), { id: 1, title: 'Write tests' });
});

test('problemDetails can be chosen next to a batch endpoint, which keeps its dialect', async () => {
  const engine = createEngine({
    apis: [{ base: '/api', resources: [Todos], batch: [{ path: 'batch', dialect: exagoDialect }], errors: problemDetails }],
  });
  const call = await inject(engine, { url: '/api/todos/9' });
  assert.is(call.headers['content-type'], 'application/problem+json');
  assert.is(call.json<{ code: string }>().code, 'NOT_FOUND');
  const batch = await inject(engine, { method: 'POST', url: '/api/batch', body: {} });
  assert.is(batch.status, 400);
  assert.is(batch.headers['content-type'], 'application/json; charset=utf-8');
  assert.is(batch.json<{ code: string }>().code, 'BATCH_MALFORMED', 'the Exago error body');
});

test('problemDetailsEncoder with a typeBase names the type after the code', async () => {
  const engine = createEngine({
    apis: [{ base: '/api', resources: [Todos], errors: problemDetailsEncoder({ typeBase: 'https://example.com/problems/' }) }],
  });
  const body = (await inject(engine, { url: '/api/todos/9' })).json<{ type: string; title: string }>();
  assert.is(body.type, 'https://example.com/problems/NOT_FOUND');
  assert.is(body.title, 'NOT_FOUND');
});

test('over node:http a problem is sent as application/problem+json', async () => {
  const server = await listen(createHttpHandler(plainEngine()));
  try {
    const res = await fetch(`${server.url}/api/todos/7`);
    assert.is(res.status, 404);
    assert.is(res.headers.get('content-type'), 'application/problem+json');
    assert.is(((await res.json()) as { code: string }).code, 'NOT_FOUND');
    const tooLarge = await fetch(`${server.url}/api/todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.is(tooLarge.status, 413);
    assert.is(tooLarge.headers.get('content-type'), 'application/problem+json');
  } finally {
    await server.close();
  }
});

test('over the fetch handler a problem is sent as application/problem+json', async () => {
  const handler = createFetchHandler(plainEngine());
  const res = await handler(new Request('http://localhost/api/todos/7'));
  assert.is(res.status, 404);
  assert.is(res.headers.get('content-type'), 'application/problem+json');
  assert.is(((await res.json()) as { title: string }).title, 'Not Found');
});

test.run();
