import { startExampleServer } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED_BATCH } from './support/exago-engine.js';
import { TestClient } from './support/ws-test-client.js';
import { within } from './support/ws-wait.js';

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

const PARAMETERS = 3000;
const bigBatch = [
  { Url: 'Sessions', Method: 'POST' },
  ...Array.from({ length: PARAMETERS }, (_, i) => ({
    Url: 'Parameters',
    Method: 'POST',
    Payload: { Id: `P${i}`, DataType: 'String', Value: '', PromptText: 'Input a value', IsHidden: true },
  })),
];

for (const results of ['each', 'grouped'] as const) {
  test(`shutting the example server down mid-batch (${results} results): the batch finishes and sends every result and its response before 1001`, async () => {
    const server = await startExampleServer({ host: '127.0.0.1', port: 0, log: () => undefined });
    try {
      const client = await TestClient.open(`${server.url.replace('http', 'ws')}/rest/ws`);
      client.send({ id: 'big', endpoint: '/rest/batch', results, body: bigBatch });
      const indexes: number[] = [];
      const read = () => {
        indexes.length = 0;
        for (const m of client.messages) {
          if (m.type === 'result') indexes.push(m.index);
          else if (m.type === 'results') indexes.push(...m.items.map((i) => i.index));
        }
        return indexes.length;
      };
      await within(
        client.next(() => read() >= 10),
        'the first ten results',
      );
      const closing = server.close();
      const closed = await within(client.closed, 'the client to see the close', 20_000);
      await within(closing, 'the server to close', 20_000);
      assert.is(closed.code, 1001);
      const response = client.messages.find((m) => m.type === 'response');
      assert.ok(response?.type === 'response', 'the response arrived');
      assert.is(response.status, 200);
      assert.is((response.body as unknown[]).length, PARAMETERS + 1);
      read();
      assert.is(indexes.length, PARAMETERS + 1, 'every result arrived');
      assert.equal(
        indexes.every((index, at) => index === at),
        true,
        'in order',
      );
    } finally {
      await server.close();
    }
  });
}

test('the example server accepts WebSocket pages of its own origin only, and clients that send no Origin', async () => {
  const server = await startExampleServer({ host: '127.0.0.1', port: 0, log: () => undefined });
  try {
    const url = `${server.url.replace('http', 'ws')}/rest/ws`;
    const own = await TestClient.open(url, {}, { origin: server.url });
    assert.is(TestClient.response(await own.request({ id: 1, endpoint: '/rest/batch', body: SEED_BATCH })).status, 200);
    own.socket.terminate();
    const tool = await TestClient.open(url);
    tool.socket.terminate();
    const refused = await TestClient.open(url, {}, { origin: 'https://evil.example' }).then(
      () => 'opened',
      (error: Error) => error.message,
    );
    assert.match(refused, /403/);
  } finally {
    await server.close();
  }
});

test.run();
