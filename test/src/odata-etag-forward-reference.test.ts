// An ETag reference (`if-match: "$2"`) to a request that comes later, or to the request itself, is
// refused whole like the same reference in a URL (400 REFERENCE_INVALID), rather than sent as text
// and answered with a misleading 412: OData 4.01 Protocol §11.7.5 "The ETag for a previous
// operation can be referenced", JSON Format §19.1 "forward references are not allowed".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { etagThingsEngine, odataBatch } from './support/etag-things.js';

let patches = 0;

async function batch(requests: unknown[]) {
  const engine = etagThingsEngine(() => patches++);
  patches = 0;
  try {
    return await odataBatch(engine, requests);
  } finally {
    await engine.close();
  }
}

const error = (body: unknown) => (body as { error: { code: string; message: string } }).error;
const patch = (id: string, headers: Record<string, string>, extra: object = {}) => ({
  id,
  method: 'patch',
  url: 'Things/a',
  headers,
  body: {},
  ...extra,
});

for (const [label, requests, raw] of [
  ['if-match naming a later request', [patch('1', { 'if-match': '$2' }), { id: '2', method: 'get', url: 'Things/a' }], '$2'],
  ['if-none-match naming a later request', [patch('1', { 'if-none-match': '$B' }), { id: 'b', method: 'get', url: 'Things/a' }], '$B'],
  [
    'if-match naming a later atomicity group',
    [patch('1', { 'if-match': '$g' }), { id: '2', method: 'get', url: 'Things/a', atomicityGroup: 'g' }],
    '$g',
  ],
  ['if-match naming its own request', [patch('1', { 'if-match': '$1' })], '$1'],
] as const) {
  test(`JSON §19.1 "forward references are not allowed", Protocol §11.7.5 "The ETag for a previous operation": ${label} is refused 400 REFERENCE_INVALID, nothing runs`, async () => {
    const res = await batch([...requests]);
    assert.is(res.status, 400);
    assert.is(error(res.body).code, 'REFERENCE_INVALID');
    assert.is(error(res.body).message, `Sub-request 1: reference ${raw} names no earlier sub-request; references point backwards only`);
    assert.is(patches, 0);
  });
}

test('the same forward reference in a URL is refused alike (the rule the ETag case now follows)', async () => {
  const res = await batch([
    { id: '1', method: 'get', url: '$2/notes' },
    { id: '2', method: 'get', url: 'Things/a' },
  ]);
  assert.is(res.status, 400);
  assert.is(error(res.body).code, 'REFERENCE_INVALID');
  assert.is(error(res.body).message, 'Sub-request 1: reference $2 names no earlier sub-request; references point backwards only');
});

test('a $name that names no request of the batch stays as written, as a URL $name segment naming none does', async () => {
  const res = await batch([patch('1', { 'if-match': '$x' })]);
  assert.is(res.status, 200);
  const [item] = (res.body as { responses: Array<{ status: number; body: unknown }> }).responses;
  assert.is(item?.status, 412);
  assert.equal(item?.body, { sent: '$x' });
  const url = await batch([{ id: '1', method: 'get', url: '$x/notes' }]);
  assert.is((url.body as { responses: Array<{ status: number }> }).responses[0]?.status, 404);
});

test('§19.3 an ETag reference to an earlier request still reads its ETag', async () => {
  const res = await batch([{ id: '1', method: 'get', url: 'Things/a' }, patch('2', { 'if-match': '$1' })]);
  assert.is(res.status, 200);
  const items = (res.body as { responses: Array<{ status: number; body: unknown }> }).responses;
  assert.equal(items[1]?.body, { patched: true });
});

test.run();
