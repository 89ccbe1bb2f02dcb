import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { rawSocket, within } from './support/ws-wait.js';

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

test('clients that never read cannot hold more than maxTotalBufferedBytes together: once stalled they are cut off, and others are served', async () => {
  const { engine } = wsTestEngine();
  const budget = 512 * 1024;
  // Each connection alone may hold its mark (256 KiB) plus one message; six of them would hold about 2 MB.
  const ws = await startWs(engine, {
    highWaterMark: 256 * 1024,
    maxTotalBufferedBytes: budget,
    drainTimeoutMs: 500,
    closeGraceMs: 200,
  });
  const clients: TestClient[] = [];
  try {
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, ws.transport.buffered);
    }, 5);
    for (let i = 0; i < 6; i++) {
      const client = await TestClient.open(ws.url);
      rawSocket(client.socket).pause();
      client.send(bigBatch(`c${i}`, 100));
      clients.push(client);
    }
    await until(() => ws.transport.connections === 0, 'every client that does not read is cut off', 20_000);
    clearInterval(watch);
    // Messages are counted by their UTF-8 bytes; each frame adds a header of a few bytes.
    assert.ok(most <= budget + 4096, `the server held at most ${most} bytes for its clients, about ${budget}`);
    for (const client of clients) {
      rawSocket(client.socket).resume();
      assert.is((await within(client.closed, 'the client sees the cut')).code, 1006);
    }
    const fresh = await TestClient.open(ws.url);
    assert.is(TestClient.response(await fresh.request({ id: 1, endpoint: '/rest/batch', body: [SESSION] })).status, 200);
    await fresh.close();
  } finally {
    for (const client of clients) client.socket.terminate();
    await ws.close();
  }
});

test('clients that read get every result and their whole response, each larger than maxTotalBufferedBytes; one that does not read is cut off', async () => {
  const { engine } = wsTestEngine();
  const items = 20;
  const ws = await startWs(engine, { maxTotalBufferedBytes: 1024 * 1024, drainTimeoutMs: 1000, closeGraceMs: 30_000 });
  const clients: TestClient[] = [];
  try {
    const stalled = await TestClient.open(ws.url);
    clients.push(stalled);
    rawSocket(stalled.socket).pause();
    stalled.send({
      id: 'stalled',
      endpoint: '/rest/batch',
      body: [SESSION, ...Array.from({ length: items }, () => ({ Url: 'Test/Big/256', Method: 'GET' }))],
    });
    const readers: TestClient[] = [];
    for (let i = 0; i < 3; i++) readers.push(await TestClient.open(ws.url));
    clients.push(...readers);
    const answers = await within(
      Promise.all(
        readers.map((reader, i) =>
          reader.request({
            id: `r${i}`,
            endpoint: '/rest/batch',
            body: [SESSION, ...Array.from({ length: items }, () => ({ Url: 'Test/Big/256', Method: 'GET' }))],
          }),
        ),
      ),
      'every reader to get its response',
      30_000,
    );
    for (const answer of answers) {
      const response = TestClient.response(answer);
      assert.is(response.status, 200);
      assert.is((response.body as unknown[]).length, items + 1);
      assert.is(answer.results.length, items + 1);
    }
    await until(() => ws.transport.connections === readers.length, 'the client that does not read is cut off', 10_000);
    rawSocket(stalled.socket).resume();
    assert.is((await within(stalled.closed, 'the cut client to see it')).code, 1006);
    for (const reader of readers) assert.is(reader.socket.readyState, reader.socket.OPEN, 'the readers stay connected');
  } finally {
    for (const client of clients) client.socket.terminate();
    await ws.close();
  }
});

test.run();
