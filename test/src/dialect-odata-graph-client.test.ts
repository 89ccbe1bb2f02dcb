import { BatchRequestContent, BatchResponseContent, Client } from '@microsoft/microsoft-graph-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimHarness, eachTransport } from './support/claim-engine.js';

const BATCH = '/rest/claim/v1/$batch';

/** A Graph-style request for a path of the claim API (the client strips scheme and host). */
function request(path: string, init: RequestInit = {}): Request {
  return new Request(`https://claims.example${path}`, init);
}

function jsonPost(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

eachTransport(test, 'the Graph client builds a batch for $batch and reads every answer unchanged', async ({ call }) => {
  const batch = new BatchRequestContent([
    { id: 'claim', request: request('/claims/cc:22') },
    { id: 'note', request: jsonPost('/claims/cc:22/notes', { data: { attributes: { body: 'from Graph' } } }), dependsOn: ['claim'] },
    { id: 'notes', request: request('/claims/cc:22/notes'), dependsOn: ['claim'] },
  ]);
  const res = await call({ url: BATCH, body: await batch.getContent() });
  assert.is(res.status, 200);
  // The client reads the answer with our summary annotation in it, and sees only the responses.
  assert.equal((res.body as Record<string, unknown>)['@restbatch.summary'], { succeeded: 3, failed: 0, skipped: 0 });
  const answers = new BatchResponseContent(res.body as never);
  assert.equal([...answers.getResponses().keys()], ['claim', 'note', 'notes']);
  const claim = answers.getResponseById('claim');
  assert.is(claim.status, 200);
  assert.is(((await claim.json()) as { data: { id: string } }).data.id, 'cc:22');
  const note = answers.getResponseById('note');
  assert.is(note.status, 201);
  assert.is(((await note.json()) as { data: { attributes: { body: string } } }).data.attributes.body, 'from Graph');
  assert.is(((await answers.getResponseById('notes').json()) as { count: number }).count, 1);
});

eachTransport(test, 'the Graph client reads a failed request and its skipped dependant as JSON errors', async ({ call }) => {
  const batch = new BatchRequestContent([
    {
      id: '1',
      request: request('/claims/cc:22', {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'GW-Checksum': '9' },
        body: '{"data":{"attributes":{}}}',
      }),
    },
    { id: '2', request: jsonPost('/claims/cc:22/notes', { data: { attributes: { body: 'never' } } }), dependsOn: ['1'] },
  ]);
  const res = await call({ url: BATCH, headers: { Prefer: 'continue-on-error' }, body: await batch.getContent() });
  const answers = new BatchResponseContent(res.body as never);
  const failed = answers.getResponseById('1');
  assert.is(failed.status, 409);
  // The claim API's own error body (Guidewire's shape), as the same PATCH alone answers.
  assert.is(((await failed.json()) as { errorCode: string }).errorCode, 'CONFLICT');
  const skipped = answers.getResponseById('2');
  assert.is(skipped.status, 424);
  assert.is(((await skipped.json()) as { errorCode: string }).errorCode, 'DEPENDENCY_FAILED');
});

test('the Graph client allows 20 requests per batch, as the endpoint does by default', async () => {
  const batch = new BatchRequestContent(Array.from({ length: 20 }, (_, i) => ({ id: String(i), request: request('/claims') })));
  assert.throws(() => batch.addRequest({ id: '20', request: request('/claims') }), /20/);
  const h = await claimHarness('direct');
  const res = await h.call({ url: BATCH, body: await batch.getContent() });
  assert.is(res.status, 200);
  assert.is(new BatchResponseContent(res.body as never).getResponses().size, 20);
});

test('the Graph Client posts a batch to the $batch endpoint over HTTP', async () => {
  const h = await claimHarness('http');
  try {
    const client = Client.init({
      authProvider: (done) => done(null, 'test-token'),
      baseUrl: `${h.url}/rest/claim`,
      defaultVersion: 'v1',
    });
    const batch = new BatchRequestContent([
      { id: 'a', request: request('/claims/cc:22/activities/cc:55') },
      { id: 'b', request: jsonPost('/claims/cc:22/activities', { data: { attributes: { subject: 'Call the shop' } } }) },
    ]);
    const body = await client.api('/$batch').post(await batch.getContent());
    const answers = new BatchResponseContent(body);
    assert.is(answers.getResponseById('a').status, 200);
    const created = answers.getResponseById('b');
    assert.is(created.status, 201);
    assert.is(((await created.json()) as { data: { attributes: { subject: string; status: string } } }).data.attributes.status, 'open');
  } finally {
    await h.close();
  }
});

test.run();
