// The Fastify mount sends answers as the node handler writes them: a body over 1 Mi characters as
// a stream of chunks made as the client reads (the same JSON the direct transport answers), an
// answer's own JSON media type (problem details) kept, and a batch's results counted in flight
// until its answer is written.
import 'reflect-metadata';
import { type ApiOptions, createEngine, odataDialect, problemDetails } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { restbatch } from '@restbatch/fastify';
import Fastify from 'fastify';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const BIG = 'x'.repeat(65_536);

function bigApi(): ApiOptions {
  return {
    base: '/api',
    errors: problemDetails,
    resources: [{ name: 'Big', routes: [{ method: 'GET', path: ':i', handle: (ctx) => ({ i: ctx.params.i, value: BIG }) }] }],
    batch: [{ path: '$batch', dialect: odataDialect() }],
  };
}

test('a batch answer over 1 Mi characters streams in chunks as the same JSON; problem details keep their media type', async () => {
  const engine = createEngine({ apis: [bigApi()] });
  const app = Fastify();
  try {
    await app.register(restbatch, { engine });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const body = { requests: Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: 'get', url: `Big/${i}` })) };
    const res = await request(`${url}/api/$batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.is(res.statusCode, 200);
    assert.is(res.headers['transfer-encoding'], 'chunked');
    // OData JSON §4.1: "Responses MUST include the metadata parameter".
    assert.is(res.headers['content-type'], 'application/json; metadata=none; charset=utf-8');
    const text = await res.body.text();
    const direct = await createDirectCaller(engine)({ url: '/api/$batch', body });
    assert.is(text, JSON.stringify(direct.body));
    assert.is(engine.resultBytesInFlight, 0);
    // A small answer goes whole, with its length.
    const small = await request(`${url}/api/$batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [{ id: '1', method: 'get', url: 'Big/1' }] }),
    });
    assert.ok(Number(small.headers['content-length']) > 65_536);
    await small.body.text();
    // An ordinary call's error in problem details.
    const missing = await request(`${url}/api/Nothing`);
    assert.is(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
    await missing.body.text();
  } finally {
    await app.close();
    await engine.close();
  }
});

test.run();
