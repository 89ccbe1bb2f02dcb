// OData JSON Format 4.01 §19.5 (Batch Response), header-name negotiation between OData clients and
// Microsoft Graph clients, and one error shape per API, through node:http and @restbatch/http.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { missing, note, overHttp, post, send } from './support/odata-http.js';

const ODATA = { 'OData-Version': '4.01' };

overHttp(
  test,
  '§19.5 "MUST contain the name/value pair responses and MAY contain annotations": responses come first, annotations after',
  async (h) => {
    const res = await post(h, { requests: [note('1')] }, ODATA);
    assert.ok(res.text.startsWith('{"responses":['), res.text.slice(0, 40));
    assert.equal(Object.keys(res.body), ['responses', '@restbatch.summary']);
  },
);

overHttp(
  test,
  '§19.5 "If the corresponding request object contains the atomicityGroup name/value pair, it MUST also be present in the response object"',
  async (h) => {
    const res = await post(
      h,
      { requests: [note('1', { atomicityGroup: 'group1' }), note('2', { atomicityGroup: 'group1' }), note('3')] },
      ODATA,
    );
    assert.equal(
      res.body.responses.map((r: any) => [r.id, r.atomicityGroup]),
      [
        ['1', 'group1'],
        ['2', 'group1'],
        ['3', undefined],
      ],
    );
    assert.equal(Object.keys(res.body.responses[0]), ['id', 'atomicityGroup', 'status', 'headers', 'body']);
  },
);

overHttp(
  test,
  '§19.5 "The name of each pair MUST be the lower-case header name" for a client that sends OData-Version; the answer carries OData-Version: 4.01',
  async (h) => {
    const res = await post(h, { requests: [{ id: '1', method: 'get', url: 'claims/cc:22' }, missing('2')] }, ODATA);
    assert.is(res.headers['odata-version'], '4.01');
    const [ok, failed] = res.body.responses;
    assert.equal(ok.headers, { etag: '"0"', 'content-type': 'application/json' });
    assert.equal(failed.headers, { 'content-type': 'application/json', 'content-language': 'en' });
  },
);

overHttp(test, 'OData-MaxVersion alone also marks an OData client', async (h) => {
  const res = await post(h, { requests: [{ id: '1', method: 'get', url: 'claims/cc:22' }] }, { 'OData-MaxVersion': '4.01' });
  assert.is(res.headers['odata-version'], '4.01');
  assert.ok('content-type' in res.body.responses[0].headers);
});

overHttp(
  test,
  'a client without OData-Version (Microsoft Graph) gets Graph\'s casing, Content-Type, and (Protocol §8.1.5 "OData services MUST include the OData-Version header on a response") OData-Version: 4.01',
  async (h) => {
    const res = await post(h, { requests: [{ id: '1', method: 'get', url: 'claims/cc:22' }] });
    assert.is(res.headers['odata-version'], '4.01');
    assert.equal(res.body.responses[0].headers, { etag: '"0"', 'Content-Type': 'application/json' });
  },
);

overHttp(test, 'one error shape per API: a failed sub-response body is exactly what the same call alone answers', async (h) => {
  const calls: Array<{ method: string; path: string; headers: Record<string, string>; body: unknown }> = [
    { method: 'PATCH', path: '/claims/cc:22', headers: { 'GW-Checksum': '99' }, body: { data: { attributes: { lossCause: 'x' } } } },
    { method: 'PATCH', path: '/claims/cc:22', headers: { 'If-Match': '"99"' }, body: { data: { attributes: { lossCause: 'x' } } } },
    { method: 'GET', path: '/claims/cc:404', headers: {}, body: undefined },
  ];
  for (const [i, call] of calls.entries()) {
    const alone = await send(h, call.method, `/rest/claim/v1${call.path}`, call.body, call.headers);
    const batch = await post(
      h,
      { requests: [{ id: `c${i}`, method: call.method, url: call.path, headers: call.headers, body: call.body }] },
      ODATA,
    );
    const item = batch.body.responses[0];
    assert.ok(alone.status >= 400, `${call.method} ${call.path} fails alone`);
    assert.is(item.status, alone.status);
    assert.equal(item.body, alone.body);
  }
});

overHttp(test, 'a batch rejected whole answers in the OData error shape of the $batch endpoint', async (h) => {
  const res = await post(h, { requests: [{ id: '1', method: 'FETCH', url: 'claims' }] }, ODATA);
  assert.is(res.status, 400);
  assert.is(res.body.error.code, 'BATCH_MALFORMED');
  assert.match(res.body.error.message, /request "1": method must be one of/);
});

overHttp(test, 'messages name a sub-request by its id: a rolled-back member and a skipped one name "b", not its index', async (h) => {
  const res = await post(
    h,
    { requests: [note('a', { atomicityGroup: 'g' }), missing('b', { atomicityGroup: 'g' }), note('c')] },
    { ...ODATA, Prefer: 'continue-on-error=false' },
  );
  const [a, , c] = res.body.responses;
  assert.is(a.body.userMessage, 'Rolled back: sub-request b of the same atomic run failed');
  assert.is(c.body.userMessage, 'Skipped: sub-request b failed and its failure policy is stop');
});

overHttp(test, 'a bad path or a protected header is reported for the request by its id', async (h) => {
  const res = await post(h, {
    requests: [
      { id: 'p', method: 'get', url: 'claims//cc:22' },
      { id: 'h', method: 'get', url: 'claims/cc:22', headers: { Authorization: 'Bearer other' } },
    ],
  });
  const [p, hd] = res.body.responses;
  assert.is(p.body.userMessage, 'Sub-request p: path is not a plain resource path');
  assert.match(hd.body.userMessage, /^Sub-request h may not set the authorization header/);
});

overHttp(test, 'a sub-request that targets $batch is named by its id in the rejection', async (h) => {
  const res = await post(h, { requests: [{ id: 'nested', method: 'post', url: '$batch', body: { requests: [] } }] });
  assert.is(res.status, 400);
  assert.match(res.body.error.message, /Sub-request nested targets a batch endpoint/);
});

overHttp(test, "a failed validation inside a batch has the API's shape and names the sub-request by its id", async (h) => {
  const body = { data: { attributes: { body: 7 } } };
  const alone = await send(h, 'POST', '/rest/claim/v1/claims/cc:22/notes', body);
  const batch = await post(h, { requests: [{ id: 'n1', method: 'post', url: 'claims/cc:22/notes', body }] });
  const item = batch.body.responses[0];
  assert.is(item.status, alone.status);
  assert.equal(Object.keys(item.body), Object.keys(alone.body));
  assert.is(alone.body.userMessage, 'Payload /data/attributes/body must be string');
  assert.is(item.body.userMessage, 'Sub-request n1: payload /data/attributes/body must be string');
});

test.run();
