import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });
const hold = (name: string) => ({ Url: `Test/Hold/${name}`, Method: 'POST' });

test('closing the socket aborts the running batch: the running handler sees its signal, later calls never run', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  client.send({ id: 'A', endpoint: '/rest/batch', body: [SESSION, hold('running'), echo('later')] });
  await probe.whenStarted('running');
  client.socket.terminate();
  await until(() => engine.running === 0, 'the batch has ended');
  assert.equal(probe.aborted, ['running']);
  assert.equal(probe.started, ['running']);
  assert.is(ws.transport.connections, 0);
  await ws.close();
});

test('closing one connection leaves the batches of another running', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  const gone = await TestClient.open(ws.url);
  const stays = await TestClient.open(ws.url);
  gone.send({ id: 'g', endpoint: '/rest/batch', body: [SESSION, hold('g')] });
  stays.send({ id: 's', endpoint: '/rest/batch', body: [SESSION, hold('s'), echo('s2')] });
  await Promise.all([probe.whenStarted('g'), probe.whenStarted('s')]);
  await gone.close();
  await until(() => probe.aborted.length === 1, 'the closed connection has aborted its batch');
  probe.release('s');
  const response = TestClient.response(await stays.answer('s'));
  assert.equal(
    (response.body as Array<{ ReturnCode: string }>).map((i) => i.ReturnCode),
    ['201', '201', '201'],
  );
  assert.equal(probe.aborted, ['g']);
  await stays.close();
  await ws.close();
});

test('closing the transport aborts batches still running after closeGraceMs and closes connections with 1001', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { closeGraceMs: 100 });
  const client = await TestClient.open(ws.url);
  client.send({ id: 'A', endpoint: '/rest/batch', body: [SESSION, hold('x'), echo('after')] });
  await probe.whenStarted('x');
  await ws.close();
  assert.is((await client.closed).code, 1001);
  await until(() => engine.running === 0, 'the batch has ended');
  assert.equal(probe.aborted, ['x']);
  assert.equal(probe.started, ['x']);
});

test('a client that stops reading is closed once its send buffer passes the limit, and the server stays up', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: 1024, maxBufferedBytes: 64 * 1024, drainTimeoutMs: 100, closeGraceMs: 100 });
  const client = await TestClient.open(ws.url);
  (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  const big = Array.from({ length: 60 }, () => ({ Url: 'Test/Big/256', Method: 'GET' }));
  client.send({ id: 'flood', endpoint: '/rest/batch', body: [SESSION, ...big] });
  await until(() => ws.transport.connections === 0, 'the server has closed the connection');
  await until(() => engine.running === 0, 'the batch has ended');
  (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  const { code } = await client.closed;
  assert.ok(code === 1008 || code === 1006, `closed with ${code}`);
  assert.ok(!client.messages.some((m) => m.type === 'response'), 'the final response was never buffered for the stalled client');
  const other = await TestClient.open(ws.url);
  assert.is(TestClient.response(await other.request({ id: 1, endpoint: '/rest/batch', body: [SESSION] })).status, 200);
  await other.close();
  await ws.close();
});

test.run();
