import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eachTransport, responses } from './support/claim-engine.js';

const ODATA = '/rest/claim/v1/$batch';
const GUIDEWIRE = '/rest/claim/v1/batch';
const claim = (description: string) => ({ data: { attributes: { description } } });
const noteCount = async (call: (r: { method: string; url: string }) => Promise<{ body: unknown }>, claimId: string) =>
  ((await call({ method: 'GET', url: `/rest/claim/v1/claims/${claimId}/notes` })).body as { count: number }).count;

eachTransport(test, 'OData: $1 names the claim that request 1 created, alone and as a path prefix', async ({ call }) => {
  const res = await call({
    url: ODATA,
    headers: { Prefer: 'continue-on-error' },
    body: {
      requests: [
        { id: '1', method: 'POST', url: 'claims', body: claim('from a batch') },
        { id: '2', method: 'POST', url: '$1/notes', body: { data: { attributes: { body: 'on the new claim' } } } },
        { id: '3', method: 'GET', url: '$1' },
      ],
    },
  });
  const [created, note, read] = responses(res);
  assert.is(created!.status, 201);
  assert.is(note!.status, 201);
  assert.is(read!.status, 200);
  assert.is(read!.body.data.id, created!.body.data.id);
  assert.is(await noteCount(call, created!.body.data.id), 1);
});

eachTransport(test, 'OData: our reference syntax works in url and body', async ({ call }) => {
  const res = await call({
    url: ODATA,
    body: {
      requests: [
        { id: 'c', method: 'POST', url: 'claims', body: claim('referenced') },
        { id: 'n', method: 'POST', url: 'claims/${c/body/data/id}/notes', body: { data: { attributes: { body: 'about $ref:c' } } } },
        { id: 'r', method: 'GET', url: 'claims/${c/body/data/id}' },
      ],
    },
  });
  assert.equal(
    responses(res).map((r) => r.status),
    [201, 201, 200],
  );
});

eachTransport(test, 'OData: a forward $<id> is rejected whole with 400 REFERENCE_INVALID', async ({ call }) => {
  const res = await call({
    url: ODATA,
    body: {
      requests: [
        { id: '1', method: 'GET', url: '$2' },
        { id: '2', method: 'POST', url: 'claims', body: claim('late') },
      ],
    },
  });
  assert.is(res.status, 400);
  assert.is((res.body as { error: { code: string } }).error.code, 'REFERENCE_INVALID');
});

eachTransport(test, 'OData: an atomicity group that fails undoes the claim it created', async ({ call }) => {
  const before = ((await call({ method: 'GET', url: '/rest/claim/v1/claims' })).body as { count: number }).count;
  const res = await call({
    url: ODATA,
    headers: { Prefer: 'continue-on-error' },
    body: {
      requests: [
        { id: '1', method: 'POST', url: 'claims', body: claim('undone'), atomicityGroup: 'g' },
        { id: '2', method: 'POST', url: '$1/notes', body: { data: { attributes: {} } }, atomicityGroup: 'g' },
      ],
    },
  });
  const items = responses(res);
  assert.equal(
    items.map((r) => r.status),
    [424, 400],
  );
  assert.is(items[0]!.body.errorCode, 'ROLLED_BACK');
  const after = ((await call({ method: 'GET', url: '/rest/claim/v1/claims' })).body as { count: number }).count;
  assert.is(after, before);
});

eachTransport(test, 'Guidewire: references fill paths, and onFail abort skips the rest', async ({ call }) => {
  const res = await call({
    url: GUIDEWIRE,
    body: {
      requests: [
        { method: 'post', path: '/claims', data: { attributes: { description: 'gw' } } },
        { method: 'get', path: '/claims/${0/body/data/id}' },
        { method: 'get', path: '/claims/${0/body/data/id}/notes/none', onFail: 'abort' },
        { method: 'get', path: '/claims/${0/body/data/id}' },
      ],
    },
  });
  assert.equal(
    responses(res).map((r) => r.status),
    [201, 200, 404, 424],
  );
});

test.run();
