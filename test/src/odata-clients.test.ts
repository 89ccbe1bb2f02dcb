// Real clients against the example claim API's $batch over node:http: the official Microsoft Graph
// JS client (BatchRequestContent / BatchResponseContent) with a real base URL, and an OData 4.01
// client's view (OData-Version: 4.01, absolute paths, annotations after responses).
import { BatchRequestContent, BatchResponseContent, Client } from '@microsoft/microsoft-graph-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noteCount, overHttp, post } from './support/odata-http.js';

overHttp(
  test,
  "Graph client: requests built on the server's real base URL address the claim API, and failures do not stop the rest",
  async (h) => {
    const base = `${h.url}/rest/claim/v1`;
    const client = Client.init({ authProvider: (done) => done(null, 'test-token'), baseUrl: `${h.url}/rest/claim`, defaultVersion: 'v1' });
    const batch = new BatchRequestContent([
      { id: 'claim', request: new Request(`${base}/claims/cc:22`) },
      { id: 'missing', request: new Request(`${base}/claims/cc:404`) },
      {
        id: 'note',
        request: new Request(`${base}/claims/cc:22/notes`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ data: { attributes: { body: 'from Graph' } } }),
        }),
      },
      // No dependsOn: the client allows only all-parallel, serial or same-dependency batches; ours run in order.
      { id: 'notes', request: new Request(`${base}/claims/cc:22/notes`) },
    ]);
    // The client turns each URL into an absolute path (/rest/claim/v1/claims/cc:22) and sends no Prefer.
    const content = await batch.getContent();
    assert.is(content.requests[0].url, '/rest/claim/v1/claims/cc:22');
    const answers = new BatchResponseContent(await client.api('/$batch').post(content));
    assert.is(answers.getResponseById('claim').status, 200);
    assert.is(((await answers.getResponseById('claim').json()) as { data: { id: string } }).data.id, 'cc:22');
    const missing = answers.getResponseById('missing');
    assert.is(missing.status, 404);
    // Read as JSON because the item says Content-Type; the body is the claim API's own error.
    assert.is(((await missing.json()) as { errorCode: string }).errorCode, 'NOT_FOUND');
    assert.is(answers.getResponseById('note').status, 201);
    assert.is(((await answers.getResponseById('notes').json()) as { count: number }).count, 1);
    assert.is(answers.getResponseById('claim').headers.get('etag'), '"0"');
  },
);

overHttp(test, 'Graph client: an If-Match ETag from an earlier GET guards a PATCH in the next batch', async (h) => {
  const base = `${h.url}/rest/claim/v1`;
  const first = new BatchRequestContent([{ id: 'get', request: new Request(`${base}/claims/cc:22`) }]);
  const read = new BatchResponseContent((await post(h, await first.getContent())).body);
  const etag = read.getResponseById('get').headers.get('etag')!;
  const patch = (id: string) => ({
    id,
    request: new Request(`${base}/claims/cc:22`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'If-Match': etag },
      body: JSON.stringify({ data: { attributes: { lossCause: id } } }),
    }),
  });
  const second = new BatchRequestContent([patch('p1'), patch('p2')]);
  const answers = new BatchResponseContent((await post(h, await second.getContent())).body);
  assert.is(answers.getResponseById('p1').status, 200);
  assert.is(answers.getResponseById('p2').status, 412);
  assert.is(((await answers.getResponseById('p2').json()) as { errorCode: string }).errorCode, 'PRECONDITION_FAILED');
});

overHttp(
  test,
  "OData 4.01 client: the spec's example batch (§19.1) with absolute paths gets the spec's response shape (§19.5)",
  async (h) => {
    // Example "a batch request that contains ... a query request, an atomicity group (insert, update), a second query request".
    const res = await post(
      h,
      {
        requests: [
          { id: '0', method: 'get', url: '/rest/claim/v1/claims/cc:22' },
          {
            id: '1',
            atomicityGroup: 'group1',
            dependsOn: ['0'],
            method: 'patch',
            url: '/rest/claim/v1/claims/cc:22',
            headers: { Prefer: 'return=minimal', 'content-type': 'application/json' },
            body: { data: { attributes: { lossCause: 'hail' } } },
          },
          {
            id: '2',
            atomicityGroup: 'group1',
            method: 'post',
            url: '/rest/claim/v1/claims',
            headers: { 'content-type': 'application/json' },
            body: { data: { attributes: { description: 'new claim', lossDate: '2024-01-01' } } },
          },
          { id: '3', dependsOn: ['group1'], method: 'get', url: '/rest/claim/v1/claims/cc:404' },
        ],
      },
      { 'OData-Version': '4.01' },
    );
    assert.is(res.status, 200);
    assert.is(res.headers['odata-version'], '4.01');
    assert.equal(Object.keys(res.body), ['responses', '@restbatch.summary']);
    assert.equal(
      res.body.responses.map((r: any) => [r.id, r.atomicityGroup, r.status]),
      [
        ['0', undefined, 200],
        ['1', 'group1', 200],
        ['2', 'group1', 201],
        ['3', undefined, 404],
      ],
    );
    for (const r of res.body.responses) for (const name of Object.keys(r.headers)) assert.is(name, name.toLowerCase());
  },
);

overHttp(test, 'OData 4.01 client: an entity referenced by $1 (§19.2) and an ETag referenced by $1 (§19.3) in one batch', async (h) => {
  const res = await post(
    h,
    {
      requests: [
        { id: '1', method: 'get', url: '/rest/claim/v1/claims/cc:22' },
        { id: '2', dependsOn: ['1'], method: 'post', url: '$1/notes', body: { data: { attributes: { body: 'by reference' } } } },
        {
          id: '3',
          dependsOn: ['1'],
          method: 'patch',
          url: '/rest/claim/v1/claims/cc:22',
          headers: { 'if-match': '$1' },
          body: { data: { attributes: { lossCause: 'wind' } } },
        },
      ],
    },
    { 'OData-Version': '4.01' },
  );
  assert.equal(
    res.body.responses.map((r: any) => r.status),
    [200, 201, 200],
  );
  assert.is(await noteCount(h), 1);
});

test.run();
