import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSocketInBursts } from './support/burst-reader.js';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { rawSocket, steady, within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const BIG_ITEMS = 100;
const ITEM_KB = 256;
// 100 results of 256 KiB: 25.6 MB, well beyond what loopback socket buffers absorb for a client that stops reading.
const bigBatch = (id: string) => ({
  id,
  endpoint: '/rest/batch',
  body: [SESSION, ...Array.from({ length: BIG_ITEMS }, () => ({ Url: `Test/Big/${ITEM_KB}`, Method: 'GET' }))],
});
const HIGH_WATER = 64 * 1024;

test('a client that stops reading pauses its batch: sub-requests stop running until it reads again', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: HIGH_WATER, drainTimeoutMs: 30_000 });
  try {
    const client = await TestClient.open(ws.url);
    rawSocket(client.socket).pause();
    client.send(bigBatch('slow'));
    const ran = await steady(() => probe.bigCalls, 'the handler count');
    assert.ok(ran < BIG_ITEMS, `only part of the batch ran while the client was not reading (${ran} of ${BIG_ITEMS})`);
    assert.is(engine.running, 1, 'the batch is waiting, not finished');
    assert.ok(
      ws.transport.buffered <= HIGH_WATER + (ITEM_KB + 8) * 1024,
      `at most the mark plus one message is buffered (${ws.transport.buffered})`,
    );
    rawSocket(client.socket).resume();
    const answer = await within(client.answer('slow'), 'the answer after the client reads again', 20_000);
    assert.is(TestClient.response(answer).status, 200);
    assert.is(answer.results.length, BIG_ITEMS + 1);
    assert.is(probe.bigCalls, BIG_ITEMS);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('a reader stalled past the write timeout is closed and its batch stops where it waited', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, {
    highWaterMark: HIGH_WATER,
    maxBufferedBytes: 64 * 1024 * 1024,
    drainTimeoutMs: 300,
    closeGraceMs: 100,
  });
  try {
    const client = await TestClient.open(ws.url);
    rawSocket(client.socket).pause();
    client.send(bigBatch('stalled'));
    await until(() => ws.transport.connections === 0, 'the server has closed the connection');
    await until(() => engine.running === 0, 'the batch has ended');
    const ran = probe.bigCalls;
    assert.ok(ran < BIG_ITEMS, `the batch stopped early (${ran} of ${BIG_ITEMS})`);
    rawSocket(client.socket).resume();
    const { code } = await within(client.closed, 'the client to see the close');
    assert.ok(code === 1008 || code === 1006, `closed with ${code}`);
    assert.ok(!client.messages.some((m) => m.type === 'response'), 'no final response was sent');
    assert.is(probe.bigCalls, ran, 'nothing ran after the connection closed');
  } finally {
    await ws.close();
  }
});

test('a client that reads in bursts, pausing longer than the write timeout between them, gets every result (progress, not one drain)', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: HIGH_WATER, drainTimeoutMs: 300, closeGraceMs: 100 });
  try {
    const client = await TestClient.open(ws.url);
    const socket = rawSocket(client.socket);
    const items = 40;
    const answer = client.answer('bursts');
    client.send({
      id: 'bursts',
      endpoint: '/rest/batch',
      body: [SESSION, ...Array.from({ length: items }, () => ({ Url: `Test/Big/${ITEM_KB}`, Method: 'GET' }))],
    });
    let done = false;
    void answer.then(
      () => (done = true),
      () => (done = true),
    );
    void client.closed.then(() => (done = true));
    await readSocketInBursts(socket, () => done);
    assert.is(client.socket.readyState, client.socket.OPEN, 'the connection is open');
    const final = await answer;
    assert.is(TestClient.response(final).status, 200);
    assert.is(final.results.length, items + 1);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('two batches on one slow connection both wait, and both finish once the client reads', async () => {
  const { engine, probe } = wsTestEngine();
  // Two final answers of 26 MB each may sit in the buffer together on a loaded machine: the global
  // budget (ws-budget.test.ts) is not what this test is about.
  const ws = await startWs(engine, { highWaterMark: HIGH_WATER, drainTimeoutMs: 30_000, maxTotalBufferedBytes: 512 * 1024 * 1024 });
  try {
    const client = await TestClient.open(ws.url);
    rawSocket(client.socket).pause();
    client.send(bigBatch('a'));
    client.send(bigBatch('b'));
    const ran = await steady(() => probe.bigCalls, 'the handler count');
    assert.ok(ran < 2 * BIG_ITEMS, `only part of the batches ran (${ran} of ${2 * BIG_ITEMS})`);
    rawSocket(client.socket).resume();
    const [a, b] = await within(Promise.all([client.answer('a'), client.answer('b')]), 'both answers', 60_000);
    assert.is(TestClient.response(a).status, 200);
    assert.is(TestClient.response(b).status, 200);
    assert.is(probe.bigCalls, 2 * BIG_ITEMS);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('every message released by one drain waits again when the first fills the buffer: a reading client is not closed as "not reading"', async () => {
  // Four batches whose final answers are 8 MiB each, and one with many tiny results, on one connection.
  // Each drain releases every message held back; when a large final answer came first it filled the
  // buffer again, and the next one, sent regardless, found it over maxBufferedBytes (16 × 64 KiB) and
  // closed the connection with 1008 although the client reads.
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: HIGH_WATER, drainTimeoutMs: 30_000, maxTotalBufferedBytes: 512 * 1024 * 1024 });
  try {
    const client = await TestClient.open(ws.url);
    const large = [SESSION, ...Array.from({ length: 8 }, () => ({ Url: 'Test/Big/1024', Method: 'GET' }))];
    const tiny = [SESSION, ...Array.from({ length: 2000 }, () => ({ Url: 'Test/Big/1', Method: 'GET' }))];
    const ids = ['a1', 'a2', 'a3', 'a4'];
    client.send({ id: 'b', endpoint: '/rest/batch', body: tiny });
    for (const id of ids) client.send({ id, endpoint: '/rest/batch', body: large });
    const closed = client.closed.then(({ code }) => {
      throw new Error(`the server closed the connection (${code})`);
    });
    const answers = await within(Promise.race([Promise.all(['b', ...ids].map((id) => client.answer(id))), closed]), 'every answer', 60_000);
    for (const answer of answers) assert.is(TestClient.response(answer).status, 200);
    assert.is(probe.bigCalls, 2000 + 4 * 8);
    await client.close();
  } finally {
    await ws.close();
  }
});

test.run();
