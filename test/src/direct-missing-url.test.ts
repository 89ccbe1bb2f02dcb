// `call()` never rejects (packages/direct/README.md): a call without a url string, which only a
// JavaScript caller can make, is answered 400 INVALID_PATH, and nothing runs.
import 'reflect-metadata';
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

test.run();
