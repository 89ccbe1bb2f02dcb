// An OData batch of no requests is answered 200 with no response objects: OData 4.01 Protocol
// §11.7 "If the set of request headers of a batch request are valid the service MUST return a 200
// OK HTTP response code", and JSON §19.1 ("The value of requests is an array of request objects")
// does not forbid an empty array. It was refused 400 BATCH_EMPTY, which Exago and Guidewire keep:
// Exago's batch must start with POST Sessions, and neither vendor describes an empty batch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eachTransport } from './support/claim-engine.js';
import { overHttp, post } from './support/odata-http.js';

const ODATA = '/rest/claim/v1/$batch';

for (const [client, headers] of [
  ['an OData client', { 'OData-Version': '4.01' }],
  ['a Microsoft Graph client', {}],
] as const) {
  eachTransport(
    test,
    `Protocol §11.7 "If the set of request headers of a batch request are valid the service MUST return a 200 OK": {"requests": []} from ${client} is answered 200 {"responses": []}`,
    async ({ call }) => {
      const res = await call({ url: ODATA, headers: { ...headers }, body: { '@Core.Description': 'nothing', requests: [] } });
      assert.is(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body, { responses: [], '@restbatch.summary': { succeeded: 0, failed: 0, skipped: 0 } });
      assert.is(res.headers['odata-version'], '4.01');
      assert.is(res.headers['content-type'], 'application/json; metadata=none; charset=utf-8');
      assert.is(res.headers['restbatch-summary'], 'succeeded=0, failed=0, skipped=0');
    },
  );
}

eachTransport(
  test,
  'Protocol §11.7: an empty batch is still a batch: its headers are checked (OData-Version: 4.0 is refused 400, Isolation: snapshot 412)',
  async ({ call }) => {
    const version = await call({ url: ODATA, headers: { 'OData-Version': '4.0' }, body: { requests: [] } });
    assert.is(version.status, 400);
    assert.is((version.body as { error: { code: string } }).error.code, 'INVALID_HEADER');
    const isolation = await call({ url: ODATA, headers: { Isolation: 'snapshot' }, body: { requests: [] } });
    assert.is(isolation.status, 412);
  },
);

overHttp(
  test,
  'Protocol §11.7: an empty batch asked for as NDJSON is answered 200 in JSON, as nothing was streamed (as a replay is)',
  async (h) => {
    const res = await post(h, { requests: [] }, { accept: 'application/x-ndjson', 'OData-Version': '4.01' });
    assert.is(res.status, 200);
    assert.is(res.headers['content-type'], 'application/json; metadata=none; charset=utf-8');
    assert.equal(res.body, { responses: [], '@restbatch.summary': { succeeded: 0, failed: 0, skipped: 0 } });
  },
);

// Exago's is in exago-dialect.test.ts.
eachTransport(test, 'Guidewire keeps refusing an empty batch with 400 BATCH_EMPTY', async ({ call }) => {
  const guidewire = await call({ url: '/rest/claim/v1/batch', body: { requests: [] } });
  assert.is(guidewire.status, 400);
  assert.is((guidewire.body as { errorCode: string }).errorCode, 'BATCH_EMPTY');
});

test.run();
