import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { GUIDEWIRE_BATCH_SCHEMA } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ClaimHarness, eachTransport } from './support/claim-engine.js';

const BATCH = '/rest/claim/v1/batch';
const GET = { method: 'get', path: '/claims/cc:22' };

/** Bad envelopes, each with the words its rejection must name. */
const BAD: Array<[string, unknown, RegExp]> = [
  ['a body that is an array', [GET], /the batch must be object/],
  ['a body without requests', { request: [GET] }, /unknown field "request"|lacks the required field "requests"/],
  ['requests that is not an array', { requests: GET }, /requests must be array/],
  ['a sub-request without a method', { requests: [{ path: '/claims' }] }, /requests\/0 lacks the required field "method"/],
  [
    'a method in upper case',
    { requests: [{ method: 'GET', path: '/claims' }] },
    /requests\/0\/method must be one of get, post, patch, put, delete/,
  ],
  ['a sub-request without a path', { requests: [GET, { method: 'get' }] }, /requests\/1 lacks the required field "path"/],
  ['a path carrying a query', { requests: [{ method: 'get', path: '/claims?x=1' }] }, /requests\/0\/path is a path without "\?"/],
  [
    'a query with a leading ?',
    { requests: [{ method: 'get', path: '/claims', query: '?x=1' }] },
    /requests\/0\/query is the query string without a leading "\?"/,
  ],
  [
    // RFC 3986 §3.4: a query ends at "#"; read as a URL, `pageSize=1#x&pageSize=2` would lose its end silently.
    'a query carrying a # (a fragment is no part of a query)',
    { requests: [{ method: 'get', path: '/claims', query: 'pageSize=1#x&pageSize=2' }] },
    /requests\/0\/query is the query string without a leading "\?" or a "#" \(a fragment is no part of a query; write a literal # as %23\)/,
  ],
  ['an unknown sub-request field', { requests: [{ ...GET, url: '/claims' }] }, /requests\/0 has the unknown field "url"/],
  ['headers given as an object', { requests: [{ ...GET, headers: { 'X-A': '1' } }] }, /requests\/0\/headers must be array/],
  [
    'a header without a value',
    { requests: [{ ...GET, headers: [{ name: 'X-A' }] }] },
    /requests\/0\/headers\/0 lacks the required field "value"/,
  ],
  ['an unknown onFail value', { requests: [{ ...GET, onFail: 'stop' }] }, /requests\/0\/onFail must be one of abort, ignore/],
  [
    'attributes that are not an object',
    { requests: [{ method: 'post', path: '/claims', data: { attributes: 'x' } }] },
    /requests\/0\/data\/attributes must be object/,
  ],
  [
    'both data and body',
    { requests: [{ method: 'post', path: '/claims', data: { attributes: {} }, body: { data: { attributes: {} } } }] },
    /requests\/0 holds both data and body/,
  ],
  ['a payload on a get', { requests: [{ ...GET, data: { attributes: {} } }] }, /requests\/0 is a get and takes no payload/],
];

for (const [what, body, reason] of BAD) {
  eachTransport(test, `${what} is rejected whole with 400 BATCH_MALFORMED naming the problem`, async ({ call }) => {
    // A good sub-request rides along at the end: a rejected batch must not run it.
    const create = { method: 'post', path: '/claims', data: { attributes: { description: 'must not be created' } } };
    const requests = (body as { requests?: unknown }).requests;
    const rejected = await call({
      url: BATCH,
      body: Array.isArray(requests) && requests.length > 0 ? { ...(body as object), requests: [...requests, create] } : body,
    });
    assert.is(rejected.status, 400);
    const error = rejected.body as { status: number; errorCode: string; userMessage: string; developerMessage: string; details: unknown[] };
    assert.is(error.status, 400);
    assert.is(error.errorCode, 'BATCH_MALFORMED');
    assert.match(error.userMessage, reason);
    assert.type(error.developerMessage, 'string');
    assert.ok(Array.isArray(error.details));
    const claims = await call({ method: 'GET', url: '/rest/claim/v1/claims' });
    assert.is((claims.body as { count: number }).count, 1);
  });
}

eachTransport(test, 'a bad envelope after a good sub-request still runs nothing', async ({ call }) => {
  const res = await call({
    url: BATCH,
    body: {
      requests: [
        { method: 'post', path: '/claims', data: { attributes: { description: 'x' } } },
        { method: 'post', path: '/claims', onFail: 'never' },
      ],
    },
  });
  assert.is(res.status, 400);
  const claims = await call({ method: 'GET', url: '/rest/claim/v1/claims' });
  assert.is((claims.body as { count: number }).count, 1);
});

eachTransport(test, 'an empty batch is rejected with 400 BATCH_EMPTY', async ({ call }) => {
  const res = await call({ url: BATCH, body: { requests: [] } });
  assert.is(res.status, 400);
  assert.is((res.body as { errorCode: string }).errorCode, 'BATCH_EMPTY');
});

/** Sends `text` as the batch body, byte for byte, through the harness's transport. */
async function sendRaw(h: ClaimHarness, text: string): Promise<{ status: number; body: unknown }> {
  if (h.url === undefined) {
    const res = await createDirectCaller(h.engine)({ url: BATCH, headers: { 'content-type': 'application/json' }, raw: text });
    return { status: res.status, body: res.body };
  }
  const res = await fetch(`${h.url}${BATCH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  return { status: res.status, body: await res.json() };
}

eachTransport(test, 'a batch body that is not JSON is rejected with 400 in the Guidewire error shape', async (h) => {
  const res = await sendRaw(h, '{"requests": [');
  assert.is(res.status, 400);
  const body = res.body as { status: number; errorCode: string };
  assert.is(body.status, 400);
  assert.is(body.errorCode, 'JSON_MALFORMED');
  assert.is((await h.call({ method: 'GET', url: '/rest/claim/v1/claims' })).status, 200);
});

eachTransport(test, 'GET on the batch endpoint answers 405 METHOD_NOT_ALLOWED', async ({ call }) => {
  const res = await call({ method: 'GET', url: BATCH });
  assert.is(res.status, 405);
  assert.is((res.body as { errorCode: string }).errorCode, 'METHOD_NOT_ALLOWED');
});

test('the schema shipped as schemas/guidewire-batch.schema.json is the one the dialect validates with', () => {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@restbatch/core/schemas/guidewire-batch.schema.json');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')), GUIDEWIRE_BATCH_SCHEMA);
});

test.run();
