import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addNotes, eachTransport, type GwError, type ListPage, responses } from './support/claim-engine.js';

const API = '/rest/claim/v1';
const NOTES = `${API}/claims/cc:22/notes`;

interface OdataItem {
  id: string;
  status: number;
  body?: any;
}

eachTransport(test, "a Guidewire sub-request's query pages a list exactly as the ordinary call does", async ({ call }) => {
  await addNotes(call, 5);
  const res = await call({
    url: `${API}/batch`,
    body: {
      requests: [
        { method: 'get', path: '/claims/cc:22/notes', query: 'pageSize=2&includeTotal=true' },
        { method: 'get', path: '/claims/cc:22/notes', query: 'pageSize=2&includeTotal=true&pageOffset=2' },
        { method: 'get', path: '/claims/cc:22/notes', query: 'fields=subject&pageSize=1&pageOffset=4' },
      ],
    },
  });
  assert.is(res.status, 200);
  const [first, second, last] = responses(res);
  const firstPage = first!.body as ListPage;
  assert.equal([first!.status, firstPage.count, firstPage.total], [200, 2, 5]);
  assert.equal(
    firstPage.data.map((d) => d.attributes.body),
    ['note 0', 'note 1'],
  );
  assert.is(firstPage.links.next!.href, `${NOTES}?includeTotal=true&pageSize=2&pageOffset=2`);
  assert.equal(
    (second!.body as ListPage).data.map((d) => d.attributes.body),
    ['note 2', 'note 3'],
  );
  const lastPage = last!.body as ListPage;
  assert.equal(lastPage.data[0]!.attributes, { subject: 's4' });
  assert.is(lastPage.links.next, undefined);
  // The same call made alone answers the same body: a client may follow links in or out of a batch.
  const alone = await call({ method: 'GET', url: `${NOTES}?pageSize=2&includeTotal=true` });
  assert.equal(alone.body, first!.body);
});

eachTransport(test, 'a Guidewire sub-request without query gets the default page, never the whole list', async ({ call }) => {
  await addNotes(call, 30);
  const res = await call({ url: `${API}/batch`, body: { requests: [{ method: 'get', path: '/claims/cc:22/notes' }] } });
  const page = responses(res)[0]!.body as ListPage;
  assert.is(page.count, 25);
  assert.is(page.links.next!.href, `${NOTES}?pageSize=25&pageOffset=25`);
});

eachTransport(
  test,
  'a bad query fails its own Guidewire sub-request with 400 in the vendor error shape; the others run',
  async ({ call }) => {
    const res = await call({
      url: `${API}/batch`,
      body: {
        requests: [
          { method: 'get', path: '/claims/cc:22/notes', query: 'pageSize=0' },
          { method: 'get', path: '/claims', query: 'pageSize=abc' },
          { method: 'get', path: '/claims/cc:22/activities', query: 'includeTotal=1' },
          { method: 'get', path: '/claims/cc:22', query: 'fields=body' },
          { method: 'get', path: '/claims', query: 'pageSize=1' },
        ],
      },
    });
    assert.is(res.status, 200);
    const items = responses(res);
    assert.equal(
      items.map((r) => r.status),
      [400, 400, 400, 400, 200],
    );
    const errors = items.slice(0, 4).map((r) => r.body as GwError);
    assert.equal(
      errors.map((e) => [e.errorCode, e.details]),
      [
        ['VALIDATION_FAILED', [{ parameter: 'pageSize' }]],
        ['VALIDATION_FAILED', [{ parameter: 'pageSize' }]],
        ['VALIDATION_FAILED', [{ parameter: 'includeTotal' }]],
        ['VALIDATION_FAILED', [{ parameter: 'fields' }]],
      ],
    );
    assert.match(errors[3]!.userMessage, /"body", which is not a field of Claim/);
    assert.is((items[4]!.body as ListPage).count, 1);
  },
);

eachTransport(test, 'an OData $batch request url carries the same query parameters', async ({ call }) => {
  await addNotes(call, 3);
  const res = await call({
    url: `${API}/$batch`,
    headers: { Prefer: 'continue-on-error' },
    body: {
      requests: [
        { id: 'page', method: 'GET', url: '/claims/cc:22/notes?pageSize=2&includeTotal=true&fields=id,body' },
        { id: 'bad', method: 'GET', url: '/claims/cc:22/notes?pageSize=-1' },
        { id: 'next', method: 'GET', url: '/claims/cc:22/notes?pageSize=2&pageOffset=2' },
      ],
    },
  });
  assert.is(res.status, 200);
  const [page, bad, next] = (res.body as { responses: OdataItem[] }).responses;
  assert.equal([page!.id, page!.status, bad!.status, next!.status], ['page', 200, 400, 200]);
  const alone = await call({ method: 'GET', url: `${NOTES}?pageSize=2&includeTotal=true&fields=id,body` });
  assert.equal(page!.body, alone.body);
  assert.equal(Object.keys((page!.body as ListPage).data[0]!.attributes), ['id', 'body']);
  assert.is((page!.body as ListPage).links.next!.href, `${NOTES}?fields=id,body&includeTotal=true&pageSize=2&pageOffset=2`);
  // Whatever the error body's shape, it names the code and the parameter.
  assert.match(JSON.stringify(bad!.body), /VALIDATION_FAILED/);
  assert.match(JSON.stringify(bad!.body), /pageSize must be an integer from 1 to 100, not \\"-1\\"/);
  assert.equal(
    (next!.body as ListPage).data.map((d) => d.attributes.body),
    ['note 2'],
  );
});

test.run();
