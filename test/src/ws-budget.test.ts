import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { rawSocket, steady } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const bigBatch = (id: string, items: number) => ({
  id,
  endpoint: '/rest/batch',
  body: [SESSION, ...Array.from({ length: items }, () => ({ Url: 'Test/Big/64', Method: 'GET' }))],
});

test('past maxConnections an upgrade is refused with 503, and a slot freed by a close is taken again', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { maxConnections: 2 });
  try {
    const first = await TestClient.open(ws.url);
    const second = await TestClient.open(ws.url);
    const refused = await TestClient.open(ws.url).then(
      () => 'opened',
      (error: Error) => error.message,
    );
    assert.is(refused, 'Unexpected server response: 503');
    assert.is(ws.transport.connections, 2);
    await first.close();
    await until(() => ws.transport.connections === 1, 'the server has seen the close');
    const third = await TestClient.open(ws.url);
    assert.is(TestClient.response(await third.request({ id: 1, endpoint: '/rest/batch', body: [SESSION] })).status, 200);
    await Promise.all([second.close(), third.close()]);
  } finally {
    await ws.close();
  }
});

test('clients that never read cannot hold more than maxTotalBufferedBytes together: the largest holders are cut off', async () => {
  const { engine } = wsTestEngine();
  const budget = 512 * 1024;
  // Each connection alone may hold its mark (256 KiB) plus one message; six of them would hold about 2 MB.
  const ws = await startWs(engine, {
    highWaterMark: 256 * 1024,
    maxTotalBufferedBytes: budget,
    drainTimeoutMs: 30_000,
    closeGraceMs: 30_000,
  });
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const client = await TestClient.open(ws.url);
      rawSocket(client.socket).pause();
      client.send(bigBatch(`c${i}`, 100));
      clients.push(client);
    }
    await steady(() => ws.transport.buffered, 'the buffered bytes');
    assert.ok(ws.transport.buffered <= budget, `the server holds ${ws.transport.buffered} bytes for its clients, at most ${budget}`);
    const left = ws.transport.connections;
    assert.ok(left < 6, 'some connections were cut off');
    assert.ok(left >= 1, 'only as many as needed were cut off');
    const fresh = await TestClient.open(ws.url);
    assert.is(TestClient.response(await fresh.request({ id: 1, endpoint: '/rest/batch', body: [SESSION] })).status, 200);
    await fresh.close();
  } finally {
    for (const client of clients) client.socket.terminate();
    await ws.close();
  }
});

test.run();
