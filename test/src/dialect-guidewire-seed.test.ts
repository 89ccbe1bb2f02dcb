import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startExampleServer } from '@restbatch/example-server';
import { claimHarness, eachTransport, responses } from './support/claim-engine.js';

const BATCH = '/rest/claim/v1/batch';

eachTransport(test, "the seed's path /claims/cc:22/activities/cc:55 works in a batch as written", async ({ call }) => {
  const res = await call({ url: BATCH, body: { requests: [{ method: 'get', path: '/claims/cc:22/activities/cc:55' }] } });
  assert.is(res.status, 200);
  const [item] = responses(res);
  assert.is(item!.status, 200);
  assert.equal(item!.body.data, {
    id: 'cc:55',
    type: 'Activity',
    attributes: { id: 'cc:55', subject: 'Contact the insured', status: 'open' },
    checksum: '0',
    links: { self: { href: '/rest/claim/v1/claims/cc:22/activities/cc:55', methods: ['get', 'patch'] } },
  });
});

eachTransport(test, 'a batch answers the same body as the ordinary call of the same path', async ({ call }) => {
  const alone = await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/activities/cc:55' });
  const batch = await call({ url: BATCH, body: { requests: [{ method: 'get', path: '/claims/cc:22/activities/cc:55' }] } });
  assert.is(alone.status, 200);
  assert.equal(responses(batch)[0]!.body, alone.body);
});

eachTransport(test, 'a payload given as data or nested as body.data reaches the handler as {data: {attributes}}', async ({ call }) => {
  const res = await call({
    url: BATCH,
    body: {
      requests: [
        { method: 'post', path: '/claims/cc:22/notes', data: { attributes: { body: 'first' } } },
        { method: 'post', path: '/claims/cc:22/notes', body: { data: { attributes: { body: 'second' } } } },
        { method: 'get', path: '/claims/cc:22/notes' },
      ],
    },
  });
  const [a, b, list] = responses(res);
  assert.equal([a!.status, b!.status, list!.status], [201, 201, 200]);
  assert.equal(
    list!.body.data.map((n: { attributes: { body: string } }) => n.attributes.body),
    ['first', 'second'],
  );
});

eachTransport(test, 'a query string without a leading ? reaches the handler as parsed parameters', async ({ call }) => {
  const res = await call({
    url: '/rest/echo/v1/batch',
    body: { requests: [{ method: 'get', path: '/echo/x', query: 'fields=id,subject&page=2&page=3' }] },
  });
  assert.equal(responses(res)[0]!.body.query, { fields: 'id,subject', page: ['2', '3'] });
});

eachTransport(test, 'sub-request paths without a leading slash are read as paths after the API version', async ({ call }) => {
  const res = await call({ url: BATCH, body: { requests: [{ method: 'get', path: 'claims/cc:22' }] } });
  assert.is(responses(res)[0]!.status, 200);
});

eachTransport(test, 'a PATCH with a stale GW-Checksum answers 409 CONFLICT in the Guidewire error shape', async ({ call }) => {
  const res = await call({
    url: BATCH,
    body: {
      requests: [
        {
          method: 'patch',
          path: '/claims/cc:22',
          data: { attributes: { lossCause: 'collision' } },
          headers: [{ name: 'GW-Checksum', value: '0' }],
        },
        {
          method: 'patch',
          path: '/claims/cc:22',
          data: { attributes: { lossCause: 'hail' } },
          headers: [{ name: 'GW-Checksum', value: '0' }],
        },
        { method: 'patch', path: '/claims/cc:22', data: { attributes: { description: 'no checksum given' } } },
        { method: 'get', path: '/claims/cc:22' },
      ],
    },
  });
  const [first, stale, unguarded, read] = responses(res);
  assert.is(first!.status, 200);
  assert.is(first!.body.data.checksum, '1');
  assert.is(stale!.status, 409);
  assert.is(stale!.body.status, 409);
  assert.is(stale!.body.errorCode, 'CONFLICT');
  assert.match(stale!.body.userMessage, /checksum is 1, not 0/);
  assert.type(stale!.body.developerMessage, 'string');
  assert.ok(Array.isArray(stale!.body.details));
  assert.is(unguarded!.status, 200);
  assert.equal(read!.body.data.attributes.lossCause, 'collision');
  assert.is(read!.body.data.checksum, '2');
});

eachTransport(test, 'an ordinary PATCH is guarded by its GW-Checksum header too', async ({ call }) => {
  const url = '/rest/claim/v1/claims/cc:22/activities/cc:55';
  const body = { data: { attributes: { status: 'complete' } } };
  const stale = await call({ method: 'PATCH', url, headers: { 'GW-Checksum': '7' }, body });
  assert.is(stale.status, 409);
  assert.is((stale.body as { errorCode: string }).errorCode, 'CONFLICT');
  const fresh = await call({ method: 'PATCH', url, headers: { 'GW-Checksum': '0' }, body });
  assert.is(fresh.status, 200);
  assert.is((fresh.body as { data: { checksum: string } }).data.checksum, '1');
});

eachTransport(test, 'an unknown claim answers 404 NOT_FOUND with the vendor error fields', async ({ call }) => {
  const res = await call({ url: BATCH, body: { requests: [{ method: 'get', path: '/claims/cc:999/notes' }] } });
  const [item] = responses(res);
  assert.is(item!.status, 404);
  assert.equal(Object.keys(item!.body).sort(), ['details', 'developerMessage', 'errorCode', 'status', 'userMessage']);
  assert.is(item!.body.errorCode, 'NOT_FOUND');
});

eachTransport(test, 'a payload that breaks the route schema answers 400 VALIDATION_FAILED for that sub-request only', async ({ call }) => {
  const res = await call({
    url: BATCH,
    body: {
      requests: [
        { method: 'post', path: '/claims/cc:22/activities', data: { attributes: { priority: 'high' } } },
        { method: 'post', path: '/claims/cc:22/activities', data: { attributes: { subject: 'Inspect the car', priority: 'high' } } },
      ],
    },
  });
  const [bad, good] = responses(res);
  assert.is(bad!.status, 400);
  assert.is(bad!.body.errorCode, 'VALIDATION_FAILED');
  assert.is(good!.status, 201);
  assert.match(good!.body.data.id, /^cc:\d+$/);
});

test('two engines never share claims', async () => {
  const a = await claimHarness('direct');
  const b = await claimHarness('direct');
  await a.call({
    url: BATCH,
    body: { requests: [{ method: 'post', path: '/claims', data: { attributes: { description: 'only in a' } } }] },
  });
  const listA = await a.call({ method: 'GET', url: '/rest/claim/v1/claims' });
  const listB = await b.call({ method: 'GET', url: '/rest/claim/v1/claims' });
  assert.is((listA.body as { count: number }).count, 2);
  assert.is((listB.body as { count: number }).count, 1);
});

test('the example server answers the seed path in a Guidewire batch and an OData batch over HTTP', async () => {
  const server = await startExampleServer({ port: 0 });
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}/rest/claim/v1/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const gw = await post('batch', { requests: [{ method: 'get', path: '/claims/cc:22/activities/cc:55' }] });
    assert.is(gw.status, 200);
    const gwBody = (await gw.json()) as { responses: Array<{ status: number; body: { data: { id: string } } }> };
    assert.is(gwBody.responses[0]!.status, 200);
    assert.is(gwBody.responses[0]!.body.data.id, 'cc:55');
    const od = await post('$batch', { requests: [{ id: 'seed', method: 'GET', url: '/claims/cc:22/activities/cc:55' }] });
    const odBody = (await od.json()) as { responses: Array<{ id: string; status: number }> };
    assert.equal(
      odBody.responses.map((r) => [r.id, r.status]),
      [['seed', 200]],
    );
  } finally {
    await server.close();
  }
});

test.run();
