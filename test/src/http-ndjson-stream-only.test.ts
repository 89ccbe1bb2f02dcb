// An NDJSON answer carries every result on its lines: the HTTP transports ask the engine for no
// final body (EngineRequest.streamOnly), as the direct and WebSocket transports may. A batch that
// streamed nothing (refused whole, replayed, or of no sub-request) is still answered whole in JSON.
import 'reflect-metadata';
import { createDirectCaller } from '@restbatch/direct';
import { createExampleEngine } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ODATA = '/rest/claim/v1/$batch';

test('the engine answers a streamOnly batch of no sub-request with its body (OData Protocol §11.7: 200 with an empty responses)', async () => {
  const engine = createExampleEngine({});
  try {
    const items: unknown[] = [];
    const res = await engine.dispatch({
      method: 'POST',
      url: ODATA,
      headers: { 'content-type': 'application/json', 'odata-version': '4.01' },
      body: JSON.stringify({ requests: [] }),
      transport: 'http',
      onResult: (item) => {
        items.push(item);
      },
      streamOnly: true,
    });
    assert.is(res.status, 200);
    assert.equal(items, []);
    assert.equal((res.body as { responses?: unknown }).responses, []);
  } finally {
    await engine.close();
  }
});

test('a streamOnly batch that streamed its results answers no body, and its summary counts them', async () => {
  const engine = createExampleEngine({});
  try {
    const items: unknown[] = [];
    const call = createDirectCaller(engine);
    const res = await call({
      url: ODATA,
      headers: { 'odata-version': '4.01' },
      body: { requests: [{ id: '1', method: 'GET', url: 'claims' }] },
      onResult: (item) => items.push(item),
      streamOnly: true,
    });
    assert.is(res.status, 200);
    assert.is(items.length, 1);
    assert.is(res.body, undefined);
    assert.match(res.headers['restbatch-summary'] ?? '', /succeeded=1/);
  } finally {
    await engine.close();
  }
});

test.run();
