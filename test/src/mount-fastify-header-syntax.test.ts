// node:http refuses a header name that is not a token (RFC 9110 §5.1: field-name = token) and a
// value holding CR, LF or NUL (§5.5: "Field values containing CR, LF, or NUL characters are invalid
// and dangerous") before Fastify sees the request. `fastify.inject()` (light-my-request) hands its
// caller's headers to the routes as they are: it only lower-cases names, writes values as strings
// ('' + value) and folds an array as node folds repeated lines. The plugin refuses such headers as
// the direct transport and engine.inject do: 400 INVALID_HEADER with WebSocket's message, in the
// error shape of the endpoint's dialect, observed as a refused request, and nothing runs.
import 'reflect-metadata';
import type { Engine } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createExampleEngine, type ExampleEngineOptions } from '@restbatch/example-server';
import { restbatch } from '@restbatch/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BAD_HEADERS, HEADER_TARGETS } from './support/header-syntax-cases.js';

const TARGETS = HEADER_TARGETS;

// What light-my-request lets through unchanged (a name it lower-cases is still not a token). Not
// here: a name holding the Kelvin sign (U+212A), which its toLowerCase turns into an ASCII `k`
// before any route sees it (`X-\u212Aind` arrives as `x-kind`); the plugin cannot tell them apart.
const BAD: ReadonlyArray<readonly [string, Readonly<Record<string, string | string[]>>]> = [
  ...BAD_HEADERS,
  ['an empty name', { '': 'v' }],
  ['a control character (U+001F) in a value', { 'x-a': 'v\u001fw' }],
  ['CR LF in one of two lines (an array)', { 'x-a': ['ok', 'v\r\nw'] }],
];

const engine = (options: ExampleEngineOptions = {}): Engine => createExampleEngine({ logger: { error: () => undefined }, ...options });

async function appOf(e: Engine): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(restbatch, { engine: e });
  await app.ready();
  return app;
}

for (const target of TARGETS) {
  for (const [label, headers] of BAD) {
    test(`fastify.inject, ${label}, ${target.label}: 400 INVALID_HEADER, the direct transport's answer in the dialect's error shape`, async () => {
      const e = engine();
      const app = await appOf(e);
      try {
        const res = await app.inject({ method: target.method, url: target.url, headers, payload: target.body as object });
        const direct = await createDirectCaller(e)({
          method: target.method,
          url: target.url,
          headers: headers as Record<string, string>,
          body: target.body,
        });
        assert.is(direct.status, 400);
        assert.is(res.statusCode, direct.status);
        assert.equal(res.json(), direct.body);
        assert.is(res.headers['content-type'], direct.headers['content-type'] ?? 'application/json; charset=utf-8');
      } finally {
        await app.close();
      }
    });
  }
}

test('fastify.inject: a Content-Type holding CR LF is refused 400 INVALID_HEADER before Fastify reads the body (not its 415)', async () => {
  const app = await appOf(engine());
  try {
    const res = await app.inject({
      method: 'POST',
      url: '/rest/claim/v1/batch',
      headers: { 'content-type': 'application/json\r\nx-injected: 1' },
      payload: JSON.stringify({ requests: [{ method: 'get', path: '/claims/cc:22' }] }),
    });
    assert.is(res.statusCode, 400);
    assert.is(res.json<{ errorCode: string }>().errorCode, 'INVALID_HEADER');
  } finally {
    await app.close();
  }
});

test('fastify.inject: a refused batch is observed as one that never ran (onBatchEnd with its status and no items)', async () => {
  const ended: Array<{ status: number; items: unknown }> = [];
  const app = await appOf(engine({ onBatchEnd: (event) => ended.push({ status: event.status, items: event.items }) }));
  try {
    const res = await app.inject({
      method: 'POST',
      url: '/rest/batch',
      headers: { 'x-a': 'v\r\nw' },
      payload: [{ Url: 'Sessions', Method: 'POST' }],
    });
    assert.is(res.statusCode, 400);
    assert.equal(ended, [{ status: 400, items: undefined }]);
  } finally {
    await app.close();
  }
});

test('fastify.inject: well-formed headers run as before (a tab and spaces in a value, an empty value, names in any case, a number light-my-request writes as text)', async () => {
  const headers = { 'X-Trace': 'a b\tc', 'x-tenant': '', "X-Odd!#$%&'*+.^_`|~": 'v', 'x-count': 1 as unknown as string };
  for (const target of TARGETS) {
    const app = await appOf(engine());
    try {
      const res = await app.inject({ method: target.method, url: target.url, headers, payload: target.body as object });
      assert.is(res.statusCode, 200, target.label);
    } finally {
      await app.close();
    }
  }
});

test("fastify.inject: the app's own routes are not the plugin's to judge (its check is encapsulated)", async () => {
  const app = Fastify();
  app.get('/health', async () => ({ ok: true }));
  await app.register(restbatch, { engine: engine() });
  try {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-a': 'v\r\nw' } });
    assert.equal([res.statusCode, res.json()], [200, { ok: true }]);
  } finally {
    await app.close();
  }
});

test('a real HTTP request through Fastify with well-formed headers runs (node:http checked them)', async () => {
  const app = await appOf(engine());
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const res = await fetch(`${url}/rest/claim/v1/claims/cc:22`, { headers: { 'x-trace': 'a b\tc', 'x-tenant': '' } });
    assert.is(res.status, 200);
  } finally {
    await app.close();
  }
});

test.run();
