import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ResultsMessage } from '@restbatch/ws';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { rawSocket, steady, within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const hold = (name: string) => ({ Url: `Test/Hold/${name}`, Method: 'POST' });
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const results of ['each', 'grouped'] as const) {
  test(`close() lets a running batch finish and send its last ${results} results and its response before 1001`, async () => {
    const { engine, probe } = wsTestEngine();
    const ws = await startWs(engine);
    try {
      const client = await TestClient.open(ws.url);
      client.send({ id: 'run', endpoint: '/rest/batch', results, body: [SESSION, echo('a'), hold('h'), echo('b'), echo('c')] });
      await within(probe.whenStarted('h'), 'the held sub-request to start');
      const closing = ws.transport.close();
      await tick(20);
      probe.release('h');
      await within(closing, 'the transport to close');
      const closed = await within(client.closed, 'the client to see the close');
      assert.equal(closed, { code: 1001, reason: 'The server is shutting down' });
      assert.equal(probe.aborted, [], 'nothing was aborted');
      const response = client.messages.find((m) => m.type === 'response');
      assert.ok(response !== undefined && response.type === 'response', 'the final response arrived');
      assert.is(response.status, 200);
      assert.is((response.body as unknown[]).length, 5);
      const indexes = client.messages.flatMap((m) =>
        m.type === 'result' ? [m.index] : m.type === 'results' ? (m as ResultsMessage).items.map((i) => i.index) : [],
      );
      assert.equal(indexes, [0, 1, 2, 3, 4], 'every result came, before the response');
      assert.is(client.messages.at(-1)?.type, 'response', 'the response is the last message');
      if (results === 'grouped')
        assert.ok(
          client.messages.every((m) => m.type !== 'result'),
          'grouped results come as results messages',
        );
    } finally {
      probe.release('h');
      await ws.close();
    }
  });
}

test('a request sent while the transport closes gets 503 SHUTTING_DOWN; the running one still finishes', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    client.send({ id: 'run', endpoint: '/rest/batch', body: [SESSION, hold('h')] });
    await within(probe.whenStarted('h'), 'the held sub-request to start');
    const closing = ws.transport.close();
    const late = await within(client.request({ id: 'late', endpoint: '/rest/batch', body: [SESSION, echo('late')] }), 'the late answer');
    assert.equal(late.final, {
      id: 'late',
      type: 'error',
      status: 503,
      code: 'SHUTTING_DOWN',
      message: 'The server is shutting down; retry on another node',
    });
    assert.not.ok(probe.started.includes('late'), 'the late request did not run');
    probe.release('h');
    const answer = await within(client.answer('run'), 'the running batch to answer');
    assert.is(TestClient.response(answer).status, 200);
    await within(closing, 'the transport to close');
  } finally {
    probe.release('h');
    await ws.close();
  }
});

test('a batch that outlasts closeGraceMs is aborted when the connection closes with 1001, and sends no response', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { closeGraceMs: 200 });
  try {
    const client = await TestClient.open(ws.url);
    client.send({ id: 'run', endpoint: '/rest/batch', body: [SESSION, hold('h')] });
    await within(probe.whenStarted('h'), 'the held sub-request to start');
    await within(ws.transport.close(), 'the transport to close after the grace');
    assert.is((await within(client.closed, 'the client to see the close')).code, 1001);
    assert.equal(probe.aborted, ['h']);
    assert.not.ok(
      client.messages.some((m) => m.type === 'response'),
      'no response',
    );
  } finally {
    probe.release('h');
    await ws.close();
  }
});

test('a final response waiting on backpressure when close() starts is still sent once the client reads', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: 64 * 1024, drainTimeoutMs: 30_000, closeGraceMs: 30_000 });
  const items = 60;
  try {
    const client = await TestClient.open(ws.url);
    rawSocket(client.socket).pause();
    client.send({
      id: 'big',
      endpoint: '/rest/batch',
      body: [SESSION, ...Array.from({ length: items }, () => ({ Url: 'Test/Big/256', Method: 'GET' }))],
    });
    const ran = await steady(() => probe.bigCalls, 'the handler count');
    assert.ok(ran < items, `the batch waits for the client (${ran} of ${items} ran)`);
    const closing = ws.transport.close();
    await tick(50);
    rawSocket(client.socket).resume();
    const answer = await within(client.answer('big'), 'the response after the client reads again', 20_000);
    assert.is(TestClient.response(answer).status, 200);
    assert.is(answer.results.length, items + 1);
    await within(closing, 'the transport to close', 20_000);
    assert.is((await within(client.closed, 'the client to see the close')).code, 1001);
  } finally {
    await ws.close();
  }
});

test('requests still waiting for the message budget when close() starts are answered 503 SHUTTING_DOWN, none dropped', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { maxMessagesPerWindow: 3, messageWindowMs: 60_000 });
  try {
    const client = await TestClient.open(ws.url);
    client.send({ id: 'run', endpoint: '/rest/batch', body: [SESSION, hold('h')] });
    await within(probe.whenStarted('h'), 'the held sub-request to start');
    // Two more fit the window's budget of 3; the next two wait for the next window (60 s away).
    for (const id of ['w1', 'w2', 'w3', 'w4']) client.send({ id, endpoint: '/rest/batch', body: [SESSION, echo(id)] });
    await tick(50);
    const closing = ws.transport.close();
    await tick(20);
    probe.release('h');
    await within(closing, 'the transport to close');
    await within(client.closed, 'the client to see the close');
    const finals = new Map(client.messages.filter((m) => m.type === 'error' || m.type === 'response').map((m) => [m.id, m]));
    for (const id of ['w3', 'w4']) {
      const final = finals.get(id) as { type: string; status?: number; code?: string } | undefined;
      assert.ok(final !== undefined, `${id} got an answer`);
      assert.is(final.type, 'error', id);
      assert.is(final.status, 503, id);
      assert.is(final.code, 'SHUTTING_DOWN', id);
    }
    for (const id of ['run', 'w1', 'w2']) assert.is((finals.get(id) as { status?: number } | undefined)?.status, 200, id);
  } finally {
    probe.release('h');
    await ws.close();
  }
});

test('a request sent after close() starts, on a connection whose message budget had stopped its reading, is answered 503 SHUTTING_DOWN at once', async () => {
  const { engine, probe } = wsTestEngine();
  // The answer must come while the batch runs, long before the grace ends and the connection closes.
  const ws = await startWs(engine, { maxMessagesPerWindow: 3, messageWindowMs: 60_000, closeGraceMs: 60_000 });
  try {
    const client = await TestClient.open(ws.url);
    client.send({ id: 'run', endpoint: '/rest/batch', body: [SESSION, hold('h')] });
    await within(probe.whenStarted('h'), 'the held sub-request to start');
    // The message and a ping (two units) spend the budget of 3: the connection stops reading for the rest of the 60 s window.
    await within(client.flushed(), 'the pong');
    const closing = ws.transport.close();
    // Docs: "new requests get an error message 503 SHUTTING_DOWN … none is dropped unanswered". The
    // drain used to leave the connection paused, so this one was never read, and the close dropped it.
    client.send({ id: 'late', endpoint: '/rest/batch', body: [SESSION] });
    const late = (await within(client.answer('late'), 'the late request to be answered')).final;
    assert.is(late.type, 'error');
    assert.is((late as { code?: string }).code, 'SHUTTING_DOWN');
    assert.is((late as { status?: number }).status, 503);
    probe.release('h');
    await within(closing, 'the transport to close');
    assert.is((await within(client.closed, 'the client to see the close')).code, 1001);
    assert.is(TestClient.response(await client.answer('run')).status, 200);
  } finally {
    probe.release('h');
    await ws.close();
  }
});

test('messages the message budget had left unread when close() starts are read and answered 503 SHUTTING_DOWN before the 1001, with nothing running', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { maxMessagesPerWindow: 3, messageWindowMs: 60_000 });
  try {
    const client = await TestClient.open(ws.url);
    assert.is(TestClient.response(await client.request({ id: 'first', endpoint: '/rest/batch', body: [SESSION] })).status, 200);
    // A ping (two units) spends the rest of the budget: once its pong is back, the server reads nothing more.
    await within(client.flushed(), 'the pong');
    for (const id of ['u1', 'u2']) client.send({ id, endpoint: '/rest/batch', body: [SESSION] });
    await until(() => client.socket.bufferedAmount === 0, 'the client to have written them');
    await within(ws.transport.close(), 'the transport to close');
    assert.is((await within(client.closed, 'the client to see the close')).code, 1001);
    for (const id of ['u1', 'u2']) {
      const final = client.messages.find((m) => m.id === id) as { type?: string; code?: string } | undefined;
      assert.is(final?.type, 'error', `${id} is answered`);
      assert.is(final?.code, 'SHUTTING_DOWN', id);
    }
  } finally {
    await ws.close();
  }
});

test.run();
