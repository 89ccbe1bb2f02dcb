// engine.dispatch "never rejects" (docs/concepts.md), nor does inject: a request only a JavaScript
// caller can make (no url string, a method that is not a string, headers that are not an object)
// is answered as a direct call answers it: 400 INVALID_PATH, 405 METHOD_NOT_ALLOWED, 400 INVALID_HEADER.
import 'reflect-metadata';
import { createEngine, type EngineRequest, exagoApi, type InjectRequest } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

let ran = 0;
const engine = createEngine({
  apis: [exagoApi(), { base: '/api', resources: [{ name: 'H', routes: [{ method: 'GET', path: 'ok', handle: () => ({ ok: ++ran }) }] }] }],
});

const CASES: Array<[string, unknown, number, string]> = [
  ['headers: null', { method: 'GET', url: '/api/H/ok', headers: null }, 400, 'INVALID_HEADER'],
  ['headers: a string', { method: 'GET', url: '/api/H/ok', headers: 'x: y' }, 400, 'INVALID_HEADER'],
  ['headers: an array', { method: 'GET', url: '/api/H/ok', headers: [['x', 'y']] }, 400, 'INVALID_HEADER'],
  ['no url', { method: 'GET' }, 400, 'INVALID_PATH'],
  ['url: 5', { method: 'GET', url: 5 }, 400, 'INVALID_PATH'],
  ['method: 5', { method: 5, url: '/api/H/ok' }, 405, 'METHOD_NOT_ALLOWED'],
  ['no request at all', undefined, 400, 'INVALID_PATH'],
];

for (const [label, request, status, code] of CASES) {
  test(`dispatch with ${label} answers ${status} ${code} instead of rejecting`, async () => {
    const response = await engine.dispatch(request as EngineRequest);
    assert.is(response.status, status);
    assert.match(JSON.stringify(response.body), code);
  });
}

test('dispatch without a method answers 405 (it is required)', async () => {
  const response = await engine.dispatch({ url: '/api/H/ok' } as EngineRequest);
  assert.is(response.status, 405);
});

test('inject answers them too; its method still defaults', async () => {
  assert.is((await engine.inject({} as InjectRequest)).status, 400);
  assert.is((await engine.inject({ url: 7 } as unknown as InjectRequest)).status, 400);
  assert.is((await engine.inject({ url: '/api/H/ok', method: 5 } as unknown as InjectRequest)).status, 405);
  assert.is((await engine.inject({ url: '/api/H/ok', headers: 'x' } as unknown as InjectRequest)).status, 400);
  const missing = await engine.inject({ body: { a: 1 } } as InjectRequest);
  assert.is(missing.status, 400);
  assert.match(missing.body, 'INVALID_PATH');
  assert.is(ran, 0);
  assert.is((await engine.inject({ url: '/api/H/ok' })).status, 200);
  assert.is(ran, 1);
});

test.run();
