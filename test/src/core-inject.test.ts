import 'reflect-metadata';
import { createEngine, exagoApi, Get, type HandlerContext, inject, Post, Resource, reply } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

@Resource('echo')
class Echo {
  @Post('')
  create(ctx: HandlerContext) {
    return { got: ctx.body, type: ctx.headers['content-type'] ?? null };
  }

  @Get(':name')
  read(ctx: HandlerContext) {
    return reply(200, { name: ctx.params.name, q: ctx.query.q ?? null }, { etag: '"v1"' });
  }

  @Post('nothing')
  nothing() {
    return undefined;
  }
}

const engine = () => createEngine({ apis: [{ base: '/api', resources: [Echo] }] });

test('inject sends a value as JSON and answers status, headers, text and json()', async () => {
  const res = await inject(engine(), { method: 'POST', url: '/api/echo', body: { a: [1, 2] } });
  assert.is(res.status, 201);
  assert.is(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.is(res.body, '{"got":{"a":[1,2]},"type":"application/json"}');
  assert.equal(res.json(), { got: { a: [1, 2] }, type: 'application/json' });
});

test('inject defaults to GET without a body and passes the query and the handler headers', async () => {
  const res = await engine().inject({ url: '/api/echo/ada?q=1' });
  assert.is(res.status, 200);
  assert.is(res.headers.etag, '"v1"');
  assert.equal(res.json(), { name: 'ada', q: '1' });
});

test('inject sends a string as it is, so a wrong content type is judged as on the wire', async () => {
  const e = engine();
  const text = await inject(e, { method: 'POST', url: '/api/echo', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(text.json(), { got: { a: 1 }, type: 'application/json' });
  const form = await inject(e, { method: 'POST', url: '/api/echo', body: 'a=1', headers: { 'content-type': 'text/plain' } });
  assert.is(form.status, 415);
});

test('a 204 has an empty body and no content type', async () => {
  const res = await inject(engine(), { method: 'POST', url: '/api/echo/nothing' });
  assert.is(res.status, 204);
  assert.is(res.body, '');
  assert.is(res.headers['content-type'], undefined);
});

test('inject runs batches as well, in the dialect of the endpoint', async () => {
  const res = await inject(createEngine({ apis: [exagoApi()] }), {
    method: 'POST',
    url: '/rest/batch',
    body: [{ Url: 'Sessions', Method: 'POST' }],
  });
  assert.is(res.status, 200);
  assert.is(res.headers['restbatch-summary'], 'succeeded=1, failed=0, skipped=0');
  assert.is(res.json<Array<{ ReturnCode: string }>>()[0]!.ReturnCode, '201');
});

test('inject answers HEAD as the wire does: the GET status and headers, no body (RFC 9110 §9.3.2)', async () => {
  const e = engine();
  const get = await e.inject({ url: '/api/echo/ada' });
  const head = await e.inject({ method: 'head', url: '/api/echo/ada' });
  assert.is(head.status, 200);
  assert.is(head.headers.etag, '"v1"');
  assert.is(head.headers['content-type'], get.headers['content-type']);
  assert.is(head.body, '');
  assert.throws(() => head.json());
});

test.run();
