// `call()` never rejects (packages/direct/README.md): a call without a url string, which only a
// JavaScript caller can make, is answered 400 INVALID_PATH, one whose method is not a string 405
// METHOD_NOT_ALLOWED, and nothing runs; observed or not.
import 'reflect-metadata';
import { createEngine, type HandlerContext } from '@restbatch/core';
import { createDirectCaller, type DirectRequest } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exampleParityEngine } from './support/parity-transports.js';

const BAD: Array<[string, unknown]> = [
  ['a body and no url', { body: [{ Url: 'Sessions', Method: 'POST' }] }],
  ['no url at all', {}],
  ['a url that is a number', { url: 42, body: {} }],
  ['a url that is null', { url: null }],
];

for (const [label, request] of BAD) {
  test(`a call with ${label} answers 400 INVALID_PATH instead of rejecting`, async () => {
    const call = createDirectCaller(exampleParityEngine());
    const res = await call(request as DirectRequest);
    assert.is(res.status, 400);
    const body = res.body as { error: { code: string; message: string } };
    assert.is(body.error.code, 'INVALID_PATH');
    assert.match(body.error.message, 'url is the path');
  });
}

test('a call without a request object answers 400 INVALID_PATH too', async () => {
  const call = createDirectCaller(exampleParityEngine());
  const res = await call(undefined as unknown as DirectRequest);
  assert.is(res.status, 400);
});

for (const method of [5, null, 10n, { toString: () => 'GET' }]) {
  test(`a call whose method is ${typeof method} answers 405 METHOD_NOT_ALLOWED, on an observed engine too`, async () => {
    let ran = 0;
    const engine = createEngine({
      apis: [
        {
          base: '/api',
          resources: [{ name: 'things', routes: [{ method: 'GET', path: '', handle: (_ctx: HandlerContext) => ++ran }] }],
        },
      ],
      // Any hook makes the engine observe each request.
      onBatchEnd: () => {},
    });
    try {
      const call = createDirectCaller(engine);
      for (const url of ['/api/things', '/api/$batch']) {
        const res = await call({ url, method } as unknown as DirectRequest);
        assert.is(res.status, 405, url);
        assert.match(JSON.stringify(res.body), 'METHOD_NOT_ALLOWED');
      }
      assert.is(ran, 0);
      // Engine.dispatch "never rejects", observed or not: a method it cannot read is an error answer.
      const dispatched = await engine.dispatch({ method, url: '/api/things', headers: {} } as never);
      assert.ok(dispatched.status >= 400, String(dispatched.status));
      assert.is(ran, 0);
      // A typed call still works, and is observed.
      assert.is((await call({ method: 'GET', url: '/api/things' })).status, 200);
      assert.is(ran, 1);
    } finally {
      await engine.close();
    }
  });
}

test.run();
