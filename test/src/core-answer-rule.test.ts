import 'reflect-metadata';
import { createEngine, type Engine, exagoApi, guidewireDialect, odataDialect, type ResourceHandler, reply } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serveOverHttp } from './support/records-http.js';

// One handler answer reads the same alone and as an item of every dialect: the executor applies
// HTTP's body rule (RFC 9110 §15.3.5 "A 204 response ... cannot contain content", §15.4.5 the
// same for 304, §15.2 1xx "cannot contain content") and the content type rule (a body is written
// as JSON, so the only content type an answer may state for it is a JSON one) once, before any
// transport or encoder sees the result.
const H: ResourceHandler = {
  name: 'H',
  routes: [
    { method: 'GET', path: 's204', handle: () => reply(204, { x: 1 }) },
    { method: 'GET', path: 's204typed', handle: () => reply(204, undefined, { 'content-type': 'application/json', etag: '"1"' }) },
    { method: 'GET', path: 's304', handle: () => reply(304, { x: 1 }, { etag: '"1"' }) },
    { method: 'POST', path: 'status204', status: 204, handle: () => ({ x: 1 }) },
    { method: 'GET', path: 'text', handle: () => reply(200, { x: 1 }, { 'Content-Type': 'text/plain' }) },
    { method: 'GET', path: 'vendor', handle: () => reply(200, { x: 1 }, { 'content-type': 'application/vnd.h+json' }) },
    // Values JSON has no text for (JSON.stringify answers undefined), and one it has.
    { method: 'GET', path: 'function', handle: () => () => 1 },
    { method: 'GET', path: 'symbol', handle: () => Symbol('s') },
    { method: 'GET', path: 'tojson-nothing', handle: () => ({ toJSON: () => undefined }) },
    { method: 'GET', path: 'tojson-value', handle: () => ({ toJSON: () => ({ y: 2 }) }) },
    { method: 'GET', path: 'nothing', handle: () => undefined },
    { method: 'GET', path: 'reply-function', handle: () => reply(200, () => 1, { 'content-type': 'application/json' }) },
  ],
};

function engineOf(): Engine {
  const exago = exagoApi();
  return createEngine({
    apis: [
      { ...exago, resources: [...exago.resources, H] },
      {
        base: '/api',
        resources: [H],
        batch: [
          { path: 'gw', dialect: guidewireDialect() },
          { path: '$batch', dialect: odataDialect() },
        ],
      },
    ],
  });
}

interface Item {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

async function items(engine: Engine, method: string, path: string): Promise<{ gw: Item; odata: Item; graph: Item; exago: unknown }> {
  const gw = await engine.inject({ url: '/api/gw', body: { requests: [{ method: method.toLowerCase(), path: `/H/${path}` }] } });
  const od = { url: '/api/$batch', body: { requests: [{ id: 'a', method, url: `/H/${path}` }] } };
  const odata = await engine.inject({ ...od, headers: { 'odata-version': '4.01' } });
  const graph = await engine.inject(od);
  const exago = await engine.inject({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: `H/${path}`, Method: method },
    ],
  });
  for (const r of [gw, odata, graph, exago]) assert.is(r.status, 200, r.body);
  return {
    gw: (gw.json() as { responses: Item[] }).responses[0]!,
    odata: (odata.json() as { responses: Item[] }).responses[0]!,
    graph: (graph.json() as { responses: Item[] }).responses[0]!,
    exago: (exago.json() as unknown[])[1],
  };
}

test('RFC 9110 §15.3.5: reply(204, body) has no body alone, nor in a Guidewire or OData item (OData JSON §19.5: no body member)', async () => {
  const engine = engineOf();
  try {
    const alone = await engine.inject({ url: '/api/H/s204' });
    assert.is(alone.status, 204);
    assert.is(alone.body, '');
    assert.is(alone.headers['content-type'], undefined);
    const { gw, odata, graph, exago } = await items(engine, 'GET', 's204');
    assert.equal(gw, { status: 204, headers: {} });
    assert.equal(odata, { id: 'a', status: 204, headers: {} });
    assert.equal(graph, { id: 'a', status: 204, headers: {} });
    // Exago's own form of a 204 (the vendor's), not the handler's body.
    assert.equal(exago, { ReturnCode: '204', ResponseContent: { StatusCode: 204, StatusDescription: null } });
  } finally {
    await engine.close();
  }
});

test('a route whose status is 204 drops the value its handler returns, alone and in a batch', async () => {
  const engine = engineOf();
  try {
    const alone = await engine.inject({ method: 'POST', url: '/api/H/status204' });
    assert.is(alone.status, 204);
    assert.is(alone.body, '');
    const { gw, odata } = await items(engine, 'POST', 'status204');
    assert.equal(gw, { status: 204, headers: {} });
    assert.equal(odata, { id: 'a', status: 204, headers: {} });
  } finally {
    await engine.close();
  }
});

test('RFC 9110 §15.4.5: reply(304, body) keeps its headers and drops its body, alone and in items', async () => {
  const engine = engineOf();
  try {
    const alone = await engine.inject({ url: '/api/H/s304' });
    assert.is(alone.status, 304);
    assert.is(alone.body, '');
    assert.is(alone.headers.etag, '"1"');
    const { gw, odata } = await items(engine, 'GET', 's304');
    assert.equal(gw, { status: 304, headers: { etag: '"1"' } });
    assert.equal(odata, { id: 'a', status: 304, headers: { etag: '"1"' } });
  } finally {
    await engine.close();
  }
});

test('an answer without a body states no content type, alone or in items', async () => {
  const engine = engineOf();
  try {
    const alone = await engine.inject({ url: '/api/H/s204typed' });
    assert.is(alone.headers['content-type'], undefined);
    const { gw, odata } = await items(engine, 'GET', 's204typed');
    assert.equal(gw, { status: 204, headers: { etag: '"1"' } });
    assert.equal(odata, { id: 'a', status: 204, headers: { etag: '"1"' } });
  } finally {
    await engine.close();
  }
});

test('a body is written as JSON: a non-JSON content type the handler states is not listed over it, alone or in items', async () => {
  const engine = engineOf();
  try {
    const alone = await engine.inject({ url: '/api/H/text' });
    assert.is(alone.status, 200);
    assert.is(alone.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(alone.json(), { x: 1 });
    const { gw, odata, graph } = await items(engine, 'GET', 'text');
    // As a handler that states no type: Guidewire lists none, OData its JSON type (§19.5).
    assert.equal(gw, { status: 200, headers: {}, body: { x: 1 } });
    assert.equal(odata, { id: 'a', status: 200, headers: { 'content-type': 'application/json' }, body: { x: 1 } });
    assert.equal(graph, { id: 'a', status: 200, headers: { 'Content-Type': 'application/json' }, body: { x: 1 } });
  } finally {
    await engine.close();
  }
});

test('a JSON content type the handler states is the one alone and in every item', async () => {
  const engine = engineOf();
  try {
    const alone = await engine.inject({ url: '/api/H/vendor' });
    assert.is(alone.headers['content-type'], 'application/vnd.h+json');
    const { gw, odata } = await items(engine, 'GET', 'vendor');
    assert.equal(gw, { status: 200, headers: { 'content-type': 'application/vnd.h+json' }, body: { x: 1 } });
    assert.equal(odata, { id: 'a', status: 200, headers: { 'content-type': 'application/vnd.h+json' }, body: { x: 1 } });
  } finally {
    await engine.close();
  }
});

test('a value JSON has no text for (a function, a symbol, a toJSON() answering undefined) answers as undefined does: 204 alone, over HTTP and in every item', async () => {
  const engine = engineOf();
  const { send, close } = await serveOverHttp(engine);
  try {
    const nothing = await items(engine, 'GET', 'nothing');
    for (const path of ['function', 'symbol', 'tojson-nothing']) {
      const alone = await engine.inject({ url: `/api/H/${path}` });
      assert.is(alone.status, 204, path);
      assert.is(alone.body, '');
      assert.is(alone.headers['content-type'], undefined);
      const http = await send(`/api/H/${path}`);
      assert.is(http.status, 204, path);
      assert.is(http.headers['content-type'], undefined);
      assert.equal(await items(engine, 'GET', path), nothing, path);
    }
    assert.equal(nothing.gw, { status: 204, headers: {} });
    assert.equal(nothing.exago, { ReturnCode: '204', ResponseContent: { StatusCode: 204, StatusDescription: null } });
  } finally {
    await close();
    await engine.close();
  }
});

test('a toJSON() is the answer JSON writes, alone and in items; a reply of such a value keeps its status, without a body', async () => {
  const engine = engineOf();
  try {
    const alone = await engine.inject({ url: '/api/H/tojson-value' });
    assert.is(alone.status, 200);
    assert.equal(alone.json(), { y: 2 });
    const { gw, exago } = await items(engine, 'GET', 'tojson-value');
    assert.equal(gw, { status: 200, headers: {}, body: { y: 2 } });
    assert.equal(exago, { ReturnCode: '200', ResponseContent: { y: 2 } });
    // reply() states its status: 200 without a body, as reply(200) answers, and no content type over no body.
    const replied = await engine.inject({ url: '/api/H/reply-function' });
    assert.is(replied.status, 200);
    assert.is(replied.body, '');
    assert.is(replied.headers['content-type'], undefined);
    assert.equal((await items(engine, 'GET', 'reply-function')).gw, { status: 200, headers: {} });
  } finally {
    await engine.close();
  }
});

test.run();
