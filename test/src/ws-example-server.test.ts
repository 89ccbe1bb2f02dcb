import { startExampleServer } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED_BATCH } from './support/exago-engine.js';
import { TestClient } from './support/ws-test-client.js';

test('the example server runs the seed batch at ws://HOST:PORT/rest/ws and closes the socket on shutdown', async () => {
  const server = await startExampleServer({ host: '127.0.0.1', port: 0 });
  const client = await TestClient.open(`${server.url.replace('http', 'ws')}/rest/ws`);
  const answer = await client.request({ id: 'seed', endpoint: '/rest/batch', body: SEED_BATCH });
  const response = TestClient.response(answer);
  assert.is(response.status, 200);
  assert.equal(
    (response.body as Array<{ ReturnCode: string }>).map((i) => i.ReturnCode),
    ['201', '204', '201'],
  );
  assert.equal(
    answer.results.map((r) => r.index),
    [0, 1, 2],
  );
  await server.close();
  assert.is((await client.closed).code, 1001);
});

test.run();
