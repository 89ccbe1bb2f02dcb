import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CallRequest, eachTransport, responses } from './support/claim-engine.js';

const ECHO = '/rest/echo/v1/batch';
const CLAIMS = '/rest/claim/v1/batch';

function notes(count: number): CallRequest {
  return {
    url: CLAIMS,
    body: {
      requests: Array.from({ length: count }, (_, i) => ({
        method: 'post',
        path: '/claims/cc:22/notes',
        data: { attributes: { body: `note ${i}` } },
      })),
    },
  };
}

async function noteCount(call: (r: CallRequest) => Promise<{ body: unknown }>): Promise<number> {
  const url = '/rest/claim/v1/claims/cc:22/notes?pageSize=1&includeTotal=true';
  return ((await call({ method: 'GET', url })).body as { total: number }).total;
}

// An outer GW-Checksum, the vendor's one exception, is not inherited and refuses the batch: headers-gw-checksum.test.ts.
eachTransport(test, 'sub-requests inherit the outer headers, and their own headers override', async ({ call }) => {
  const res = await call({
    url: ECHO,
    headers: { 'X-Tenant': 't1', 'Accept-Language': 'fr' },
    body: {
      requests: [
        { method: 'get', path: '/echo/a' },
        {
          method: 'get',
          path: '/echo/b',
          headers: [
            { name: 'Accept-Language', value: 'de' },
            { name: 'GW-Checksum', value: '9' },
          ],
        },
      ],
    },
  });
  const [a, b] = responses(res).map((r) => r.body.headers);
  assert.is(a['x-tenant'], 't1');
  assert.is(a['accept-language'], 'fr');
  assert.is(a['gw-checksum'], undefined);
  assert.is(b['x-tenant'], 't1');
  assert.is(b['accept-language'], 'de');
  assert.is(b['gw-checksum'], '9');
});

eachTransport(
  test,
  'the non-inheritable list is configurable',
  async ({ call }) => {
    const res = await call({
      url: ECHO,
      headers: { 'X-Tenant': 't1', 'X-Trace': 'abc' },
      body: {
        requests: [
          { method: 'get', path: '/echo/a' },
          { method: 'get', path: '/echo/b', headers: [{ name: 'X-Tenant', value: 't2' }] },
        ],
      },
    });
    const [a, b] = responses(res).map((r) => r.body.headers);
    assert.equal([a['x-tenant'], a['x-trace']], [undefined, 'abc']);
    assert.is(b['x-tenant'], 't2');
  },
  { guidewire: { nonInheritedHeaders: ['X-Tenant'] } },
);

eachTransport(test, 'a sub-request may not set the Authorization header itself: 400 INVALID_HEADER for it alone', async ({ call }) => {
  const res = await call({
    url: ECHO,
    body: {
      requests: [
        { method: 'get', path: '/echo/a', headers: [{ name: 'Authorization', value: 'Bearer x' }] },
        { method: 'get', path: '/echo/b' },
      ],
    },
  });
  const [bad, good] = responses(res);
  assert.is(bad!.status, 400);
  assert.is(bad!.body.errorCode, 'INVALID_HEADER');
  assert.is(good!.status, 200);
});

eachTransport(test, 'by default a failed sub-request does not stop the rest', async ({ call }) => {
  const res = await call({
    url: ECHO,
    body: {
      requests: [
        { method: 'patch', path: '/echo/x', data: {} },
        { method: 'patch', path: '/echo/y', data: {}, onFail: 'ignore' },
        { method: 'get', path: '/echo/z' },
      ],
    },
  });
  assert.equal(
    responses(res).map((r) => r.status),
    [409, 409, 200],
  );
});

eachTransport(test, 'onFail abort skips every later sub-request with 424 and errorCode SKIPPED, and they never run', async ({ call }) => {
  const res = await call({
    url: CLAIMS,
    body: {
      requests: [
        { method: 'get', path: '/claims/cc:22' },
        {
          method: 'patch',
          path: '/claims/cc:22',
          data: { attributes: { lossCause: 'x' } },
          headers: [{ name: 'GW-Checksum', value: '42' }],
          onFail: 'abort',
        },
        { method: 'post', path: '/claims/cc:22/notes', data: { attributes: { body: 'never' } } },
        { method: 'get', path: '/claims/cc:22/notes' },
      ],
    },
  });
  assert.is(res.status, 200);
  const items = responses(res);
  assert.equal(
    items.map((r) => r.status),
    [200, 409, 424, 424],
  );
  for (const skipped of items.slice(2)) {
    assert.equal(skipped.body, {
      status: 424,
      errorCode: 'SKIPPED',
      userMessage: 'Skipped: sub-request 1 failed and its failure policy is stop',
      developerMessage: 'Skipped: sub-request 1 failed and its failure policy is stop',
      details: [],
    });
  }
  assert.is(await noteCount(call), 0);
});

eachTransport(test, 'the answer carries a summary next to responses, equal to the restbatch-summary header', async ({ call }) => {
  const res = await call({
    url: CLAIMS,
    body: {
      requests: [
        { method: 'get', path: '/claims/cc:22' },
        { method: 'get', path: '/claims/cc:999', onFail: 'abort' },
        { method: 'get', path: '/claims/cc:22/notes' },
      ],
    },
  });
  assert.equal(Object.keys(res.body as object), ['responses', 'summary']);
  assert.equal((res.body as { summary: unknown }).summary, { succeeded: 1, failed: 1, skipped: 1 });
  assert.is(res.headers['restbatch-summary'], 'succeeded=1, failed=1, skipped=1');
});

eachTransport(test, 'onFail abort on a sub-request that succeeds skips nothing', async ({ call }) => {
  const res = await call({
    url: ECHO,
    body: {
      requests: [
        { method: 'get', path: '/echo/a', onFail: 'abort' },
        { method: 'get', path: '/echo/b' },
      ],
    },
  });
  assert.equal(
    responses(res).map((r) => r.status),
    [200, 200],
  );
});

eachTransport(test, 'responses come in request order, one per sub-request', async ({ call }) => {
  const names = ['q', 'w', 'e', 'r', 't'];
  const res = await call({ url: ECHO, body: { requests: names.map((n) => ({ method: 'get', path: `/echo/${n}` })) } });
  assert.equal(
    responses(res).map((r) => r.body.name),
    names,
  );
});

eachTransport(test, 'a batch of exactly 100 sub-requests is accepted', async ({ call }) => {
  const res = await call(notes(100));
  assert.is(res.status, 200);
  assert.is(responses(res).length, 100);
  assert.ok(responses(res).every((r) => r.status === 201));
  assert.is(await noteCount(call), 100);
});

eachTransport(test, 'a batch of 101 sub-requests is rejected whole with 400 BATCH_TOO_MANY_REQUESTS and nothing runs', async ({ call }) => {
  const res = await call(notes(101));
  assert.is(res.status, 400);
  const body = res.body as { status: number; errorCode: string; userMessage: string };
  assert.is(body.status, 400);
  assert.is(body.errorCode, 'BATCH_TOO_MANY_REQUESTS');
  assert.match(body.userMessage, /101 sub-requests; the limit is 100/);
  assert.is(await noteCount(call), 0);
});

eachTransport(
  test,
  'maxSubRequests is configurable',
  async ({ call }) => {
    assert.is((await call(notes(3))).status, 200);
    const res = await call(notes(4));
    assert.is(res.status, 400);
    assert.is((res.body as { errorCode: string }).errorCode, 'BATCH_TOO_MANY_REQUESTS');
    assert.is(await noteCount(call), 3);
  },
  { guidewire: { maxSubRequests: 3 } },
);

eachTransport(test, 'a sub-request path that climbs out with .. answers 400 INVALID_PATH for it alone', async ({ call }) => {
  const res = await call({
    url: CLAIMS,
    body: {
      requests: [
        { method: 'get', path: '/claims/../claims' },
        { method: 'get', path: '/claims' },
      ],
    },
  });
  const [bad, good] = responses(res);
  assert.is(bad!.status, 400);
  assert.is(bad!.body.errorCode, 'INVALID_PATH');
  assert.is(good!.status, 200);
});

eachTransport(test, 'a sub-request cannot target the batch endpoint itself: 400 BATCH_NESTED', async ({ call }) => {
  const res = await call({ url: CLAIMS, body: { requests: [{ method: 'post', path: '/batch', body: { data: {} } }] } });
  assert.is(res.status, 400);
  assert.is((res.body as { errorCode: string }).errorCode, 'BATCH_NESTED');
});

test.run();
