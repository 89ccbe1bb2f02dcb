// A body the direct transport is given as a value that JSON cannot write (a BigInt, a cycle):
// `call()` never rejects (packages/direct/README.md), it answers 400 BODY_UNWRITABLE in the shape
// of the endpoint's dialect, and nothing runs.
import 'reflect-metadata';
import { createEngine, exagoApi, inject } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { claimApi } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';

function setup() {
  const engine = createEngine({ apis: [exagoApi({ configs: EXAMPLE_CONFIGS }), claimApi()], logger: { error: () => undefined } });
  return { engine, call: createDirectCaller(engine) };
}

const cyclic = () => {
  const value: Record<string, unknown> = { Id: 'Loop', DataType: 'String', Value: 'v', PromptText: 'p' };
  value.self = value;
  return value;
};

const BAD: Array<[string, () => unknown, RegExp]> = [
  ['a BigInt', () => ({ Id: 'Big', DataType: 'String', Value: 1n, PromptText: 'p' }), /BigInt/],
  ['a cycle', cyclic, /circular/],
];

for (const [label, payload, message] of BAD) {
  test(`Exago batch with ${label} in a payload: 400 BODY_UNWRITABLE as Exago's {reason, code}; nothing runs`, async () => {
    const { call } = setup();
    const res = await call({
      url: '/rest/batch',
      body: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Parameters', Method: 'POST', Payload: payload() },
      ],
    });
    assert.is(res.status, 400);
    const body = res.body as { code: string; reason: string };
    assert.is(body.code, 'BODY_UNWRITABLE');
    assert.match(body.reason, /^The body cannot be written as JSON: /);
    assert.match(body.reason, message);
  });

  test(`Guidewire and OData batches with ${label}: 400 BODY_UNWRITABLE in each dialect's error shape`, async () => {
    const { call } = setup();
    const bad = payload();
    const gw = await call({
      url: '/rest/claim/v1/batch',
      body: { requests: [{ method: 'post', path: '/claims/cc:22/notes', data: { attributes: { body: bad } } }] },
    });
    assert.is(gw.status, 400);
    assert.is((gw.body as { errorCode: string }).errorCode, 'BODY_UNWRITABLE');
    const od = await call({
      url: '/rest/claim/v1/$batch',
      headers: { 'OData-Version': '4.01' },
      body: { requests: [{ id: '1', method: 'post', url: 'claims/cc:22/notes', body: { data: { attributes: { body: bad } } } }] },
    });
    assert.is(od.status, 400);
    assert.is((od.body as { error: { code: string } }).error.code, 'BODY_UNWRITABLE');
    // A refused batch carries the dialect's headers too (OData Protocol §8.1.5).
    assert.is(od.headers['odata-version'], '4.01');
    const notes = await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/notes' });
    assert.is((notes.body as { count: number }).count, 0);
  });

  test(`an ordinary call with ${label} in its body: 400 BODY_UNWRITABLE in the API's error shape`, async () => {
    const { call } = setup();
    const res = await call({ url: '/rest/claim/v1/claims/cc:22/notes', body: { data: { attributes: { body: payload() } } } });
    assert.is(res.status, 400);
    assert.is((res.body as { errorCode: string }).errorCode, 'BODY_UNWRITABLE');
  });
}

test('the caller keeps working after a refused body: the next batch runs', async () => {
  const { call } = setup();
  await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Parameters', Method: 'POST', Payload: { v: 1n } },
    ],
  });
  const ok = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] });
  assert.is(ok.status, 200);
});

test("inject() with a body JSON cannot write answers 400 BODY_UNWRITABLE in the endpoint's shape (it rejected with a TypeError)", async () => {
  const { engine } = setup();
  const res = await inject(engine, { url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST', Payload: { n: 1n } }] });
  assert.is(res.status, 400);
  assert.is(res.json<{ code: string }>().code, 'BODY_UNWRITABLE');
});

test.run();
