import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CallRequest, type CallResponse, eachTransport } from './support/claim-engine.js';

const BATCH = '/rest/claim/v1/$batch';
const CONTINUE = { Prefer: 'continue-on-error' };

interface Item {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: any;
}

function items(res: CallResponse): Item[] {
  return (res.body as { responses: Item[] }).responses;
}

function odataError(res: CallResponse): { code: string; message: string; details?: unknown[] } {
  return (res.body as { error: { code: string; message: string } }).error;
}

async function noteCount(call: (r: CallRequest) => Promise<CallResponse>): Promise<number> {
  return ((await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/notes' })).body as { count: number }).count;
}

const note = (id: string, body = `note ${id}`) => ({
  id,
  method: 'POST',
  url: '/claims/cc:22/notes',
  headers: { 'content-type': 'application/json' },
  body: { data: { attributes: { body } } },
});
const stale = (id: string) => ({
  id,
  method: 'PATCH',
  url: '/claims/cc:22',
  headers: { 'content-type': 'application/json', 'GW-Checksum': '99' },
  body: { data: { attributes: { lossCause: 'x' } } },
});

eachTransport(test, 'responses carry each request id, in request order, with the handler status and body', async ({ call }) => {
  const res = await call({
    url: BATCH,
    body: {
      requests: [
        { id: 'b', method: 'GET', url: '/claims/cc:22/activities/cc:55' },
        { id: 'a', method: 'get', url: 'claims/cc:22?fields=id' },
        note('c'),
      ],
    },
  });
  assert.is(res.status, 200);
  const [b, a, c] = items(res);
  assert.equal([b!.id, a!.id, c!.id], ['b', 'a', 'c']);
  assert.equal([b!.status, a!.status, c!.status], [200, 200, 201]);
  assert.is(b!.body.data.id, 'cc:55');
  assert.is(b!.headers['Content-Type'], 'application/json');
});

eachTransport(test, 'a duplicate id rejects the whole batch with 400 BATCH_RULE_VIOLATION and nothing runs', async ({ call }) => {
  const res = await call({ url: BATCH, body: { requests: [note('1'), note('1')] } });
  assert.is(res.status, 400);
  assert.is(odataError(res).code, 'BATCH_RULE_VIOLATION');
  assert.match(odataError(res).message, /"1" is used twice/);
  assert.is(await noteCount(call), 0);
});

eachTransport(test, 'dependsOn naming a later request rejects the whole batch with 400 BATCH_RULE_VIOLATION', async ({ call }) => {
  const res = await call({ url: BATCH, body: { requests: [{ ...note('1'), dependsOn: ['2'] }, note('2')] } });
  assert.is(res.status, 400);
  assert.is(odataError(res).code, 'BATCH_RULE_VIOLATION');
  assert.match(odataError(res).message, /depends on "2", which is not an earlier sub-request/);
  assert.is(await noteCount(call), 0);
});

eachTransport(test, 'a request whose dependency failed answers 424 DEPENDENCY_FAILED and does not run', async ({ call }) => {
  const res = await call({
    url: BATCH,
    headers: CONTINUE,
    body: { requests: [stale('1'), { ...note('2'), dependsOn: ['1'] }, note('3')] },
  });
  const [failed, dependent, independent] = items(res);
  assert.is(failed!.status, 409);
  // One error shape per API: the claim API's own (Guidewire) error body, as the same call alone answers.
  assert.is(failed!.body.errorCode, 'CONFLICT');
  assert.is(dependent!.status, 424);
  assert.is(dependent!.body.errorCode, 'DEPENDENCY_FAILED');
  assert.is(independent!.status, 201);
  assert.is(await noteCount(call), 1);
});

eachTransport(
  test,
  '§19.4: without Prefer continue-on-error every request is processed according to its dependencies',
  async ({ call }) => {
    const res = await call({ url: BATCH, body: { requests: [note('1'), stale('2'), note('3'), note('4')] } });
    assert.equal(
      items(res).map((r) => [r.id, r.status]),
      [
        ['1', 201],
        ['2', 409],
        ['3', 201],
        ['4', 201],
      ],
    );
    assert.is(await noteCount(call), 3);
  },
);

eachTransport(test, 'the answer carries the @restbatch.summary annotation, equal to the restbatch-summary header', async ({ call }) => {
  const res = await call({
    url: BATCH,
    headers: { Prefer: 'continue-on-error=false' },
    body: { requests: [note('1'), stale('2'), note('3')] },
  });
  // §19.5: `responses` first, annotations after it (readers such as .NET's OData library need that order).
  assert.equal(Object.keys(res.body as object), ['responses', '@restbatch.summary']);
  assert.equal((res.body as Record<string, unknown>)['@restbatch.summary'], { succeeded: 1, failed: 1, skipped: 1 });
  assert.is(res.headers['restbatch-summary'], 'succeeded=1, failed=1, skipped=1');
});

for (const prefer of ['continue-on-error', 'odata.continue-on-error', 'return=minimal, continue-on-error=true']) {
  eachTransport(test, `Prefer: ${prefer} keeps running after a failure`, async ({ call }) => {
    const res = await call({ url: BATCH, headers: { Prefer: prefer }, body: { requests: [stale('1'), note('2'), note('3')] } });
    assert.equal(
      items(res).map((r) => r.status),
      [409, 201, 201],
    );
  });
}

eachTransport(test, 'Prefer: continue-on-error=false stops at the first failure', async ({ call }) => {
  const res = await call({ url: BATCH, headers: { Prefer: 'continue-on-error=false' }, body: { requests: [stale('1'), note('2')] } });
  assert.equal(
    items(res).map((r) => r.status),
    [409, 424],
  );
  assert.equal(items(res)[1]!.body, {
    status: 424,
    errorCode: 'SKIPPED',
    userMessage: 'Skipped: sub-request 1 failed and its failure policy is stop',
    developerMessage: 'Skipped: sub-request 1 failed and its failure policy is stop',
    details: [],
  });
});

eachTransport(test, 'a failing atomicity group rolls back its earlier members and leaves the claim unchanged', async ({ call }) => {
  const res = await call({
    url: BATCH,
    headers: CONTINUE,
    body: {
      requests: [
        { ...note('1'), atomicityGroup: 'g' },
        { ...stale('2'), atomicityGroup: 'g' },
        { ...note('3'), dependsOn: ['g'] },
        note('4'),
      ],
    },
  });
  assert.equal(
    items(res).map((r) => [r.id, r.status, r.body?.errorCode]),
    [
      ['1', 424, 'ROLLED_BACK'],
      ['2', 409, 'CONFLICT'],
      ['3', 424, 'DEPENDENCY_FAILED'],
      ['4', 201, undefined],
    ],
  );
  assert.is(await noteCount(call), 1);
});

eachTransport(test, 'a batch of exactly 20 requests is accepted', async ({ call }) => {
  const res = await call({ url: BATCH, body: { requests: Array.from({ length: 20 }, (_, i) => note(String(i))) } });
  assert.is(res.status, 200);
  assert.is(items(res).length, 20);
  assert.is(await noteCount(call), 20);
});

eachTransport(test, 'a batch of 21 requests is rejected whole with 400 BATCH_TOO_MANY_REQUESTS and nothing runs', async ({ call }) => {
  const res = await call({ url: BATCH, body: { requests: Array.from({ length: 21 }, (_, i) => note(String(i))) } });
  assert.is(res.status, 400);
  assert.is(odataError(res).code, 'BATCH_TOO_MANY_REQUESTS');
  assert.is(await noteCount(call), 0);
});

eachTransport(
  test,
  'the request limit is configurable',
  async ({ call }) => {
    assert.is((await call({ url: BATCH, body: { requests: Array.from({ length: 30 }, (_, i) => note(String(i))) } })).status, 200);
    const res = await call({ url: BATCH, body: { requests: Array.from({ length: 31 }, (_, i) => note(String(i))) } });
    assert.is(res.status, 400);
    assert.is(odataError(res).code, 'BATCH_TOO_MANY_REQUESTS');
  },
  { odata: { maxSubRequests: 30 } },
);

eachTransport(test, 'sub-requests inherit the outer headers, but not Prefer, and their own headers override', async ({ call }) => {
  const res = await call({
    url: '/rest/echo/v1/$batch',
    headers: { 'X-Tenant': 't1', 'Accept-Language': 'fr', Prefer: 'continue-on-error' },
    body: {
      requests: [
        { id: '1', method: 'GET', url: '/echo/a' },
        { id: '2', method: 'GET', url: '/echo/b', headers: { 'Accept-Language': 'de' } },
      ],
    },
  });
  const [a, b] = items(res).map((r) => r.body.headers);
  assert.equal([a['x-tenant'], a['accept-language'], a.prefer], ['t1', 'fr', undefined]);
  assert.equal([b['x-tenant'], b['accept-language']], ['t1', 'de']);
});

eachTransport(test, 'an unknown route answers 404 ROUTE_NOT_FOUND for that request alone', async ({ call }) => {
  const res = await call({
    url: BATCH,
    headers: CONTINUE,
    body: {
      requests: [
        { id: '1', method: 'GET', url: '/policies/1' },
        { id: '2', method: 'GET', url: '/claims' },
      ],
    },
  });
  assert.equal(
    items(res).map((r) => r.status),
    [404, 200],
  );
  assert.is(items(res)[0]!.body.errorCode, 'ROUTE_NOT_FOUND');
});

test.run();
