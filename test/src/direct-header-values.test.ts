// An in-process caller can hand header values that are not text (a number, null, an object): the
// engine answers 400 INVALID_HEADER in the endpoint's error shape, never a 500, and the next call runs.
import 'reflect-metadata';
import { createEngine, exagoApi } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { claimApi } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';

const logged: unknown[] = [];
const engine = createEngine({
  apis: [exagoApi({ configs: EXAMPLE_CONFIGS }), claimApi()],
  logger: { error: (fields) => logged.push(fields) },
});
const call = createDirectCaller(engine);

for (const [label, value, kind] of [
  ['a number', 1, 'number'],
  ['null', null, 'null'],
  ['an object', { a: 1 }, 'object'],
  ['an array holding a number', ['a', 2], 'number'],
] as const) {
  test(`a header whose value is ${label}: 400 INVALID_HEADER naming it, for a batch and an ordinary call, in each API's error shape`, async () => {
    const headers = { 'x-tenant': value } as unknown as Record<string, string>;
    const batch = await call({ url: '/rest/batch', headers, body: [{ Url: 'Sessions', Method: 'POST' }] });
    assert.is(batch.status, 400);
    const exago = batch.body as { code: string; reason: string };
    assert.is(exago.code, 'INVALID_HEADER');
    assert.is(exago.reason, `Header "x-tenant" must be text (a string or an array of strings), not ${kind}`);
    const ordinary = await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22', headers });
    assert.is(ordinary.status, 400);
    assert.is((ordinary.body as { errorCode: string }).errorCode, 'INVALID_HEADER');
    // Nothing was logged as a server failure, and the caller still works.
    assert.equal(logged, []);
    assert.is((await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22' })).status, 200);
  });
}

test.run();
