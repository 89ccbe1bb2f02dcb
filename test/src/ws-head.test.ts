import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { within } from './support/ws-wait.js';

test('HEAD on an ordinary route answers the status and headers of GET and no body, as HTTP does', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    const get = TestClient.response(
      await within(client.request({ id: 'get', endpoint: '/rest/Test/Big/1', method: 'GET' }), 'the GET answer'),
    );
    const head = TestClient.response(
      await within(client.request({ id: 'head', endpoint: '/rest/Test/Big/1', method: 'HEAD' }), 'the HEAD answer'),
    );
    assert.is(get.status, 200);
    assert.equal(get.body, { data: 'x'.repeat(1024) });
    assert.is(head.status, 200);
    assert.equal(head.headers, get.headers);
    assert.not.ok('body' in head, 'no body');
    await client.close();
  } finally {
    await ws.close();
  }
});

test('HEAD on a route without GET keeps its error status and headers, and sends no body', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    const head = TestClient.response(
      await within(client.request({ id: 'head', endpoint: '/rest/Test/Boom', method: 'HEAD' }), 'the answer'),
    );
    assert.is(head.status, 405);
    assert.ok(head.headers.allow?.includes('POST'), `Allow lists POST (${head.headers.allow})`);
    assert.not.ok('body' in head, 'no body');
    await client.close();
  } finally {
    await ws.close();
  }
});

test.run();
