import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });

test('a client flooding 50k malformed messages is closed with 1008 "message rate" after at most one budget of replies', async () => {
  const { engine } = wsTestEngine();
  const budget = 50;
  const ws = await startWs(engine, { maxMessagesPerWindow: budget, messageWindowMs: 100, closeGraceMs: 200 });
  try {
    const flooder = await TestClient.open(ws.url);
    const probe = await TestClient.open(ws.url);
    for (let i = 0; i < 50_000; i++) flooder.send('{');
    const answer = await within(probe.request({ id: 'probe', endpoint: '/rest/batch', body: [SESSION, echo('p')] }), 'the probe answer');
    assert.is(TestClient.response(answer).status, 200);
    const closed = await within(flooder.closed, 'the flooder to be closed');
    assert.equal(closed, { code: 1008, reason: 'message rate' });
    const replies = flooder.messages.length;
    assert.ok(replies > 0, 'messages within the budget were answered');
    assert.ok(replies <= budget, `${replies} replies, at most ${budget}: malformed messages and their replies count against the budget`);
    assert.ok(
      flooder.messages.every((m) => m.type === 'error' && m.code === 'JSON_MALFORMED'),
      'every reply is the malformed-JSON error',
    );
    await probe.close();
  } finally {
    await ws.close();
  }
});

test('a client flooding pings is closed with 1008 "message rate": a ping and its pong count like a message and its reply', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { maxMessagesPerWindow: 50, messageWindowMs: 1000, closeGraceMs: 200 });
  try {
    const flooder = await TestClient.open(ws.url);
    for (let i = 0; i < 10_000; i++) flooder.socket.ping();
    const closed = await within(flooder.closed, 'the ping flooder to be closed');
    assert.equal(closed, { code: 1008, reason: 'message rate' });
  } finally {
    await ws.close();
  }
});

test('good messages count against the same budget: a burst of many valid messages is closed too', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { maxMessagesPerWindow: 20, messageWindowMs: 1000, maxConcurrent: 1000, closeGraceMs: 200 });
  try {
    const client = await TestClient.open(ws.url);
    for (let i = 0; i < 500; i++) client.send({ id: i, endpoint: '/rest/batch', body: [SESSION, echo(`e${i}`)] });
    const closed = await within(client.closed, 'the client to be closed');
    assert.equal(closed, { code: 1008, reason: 'message rate' });
    assert.ok(probe.started.length <= 20, `${probe.started.length} requests ran, at most the budget of 20`);
  } finally {
    await ws.close();
  }
});

test('a burst within twice the budget is throttled, not refused: every request is answered in order', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { maxMessagesPerWindow: 10, messageWindowMs: 50 });
  try {
    const client = await TestClient.open(ws.url);
    for (let i = 0; i < 20; i++) client.send({ id: i, endpoint: '/rest/batch', body: [SESSION, echo(`b${i}`)] });
    const answers = await within(Promise.all(Array.from({ length: 20 }, (_, i) => client.answer(i))), 'all twenty answers');
    assert.ok(answers.every((a) => TestClient.response(a).status === 200));
    assert.is(client.socket.readyState, client.socket.OPEN);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('reading resumes after a throttled window: a client that keeps sending at the budget stays usable', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { maxMessagesPerWindow: 4, messageWindowMs: 50 });
  try {
    const client = await TestClient.open(ws.url);
    // Two malformed messages and their two replies spend one window; the next pair waits for the next window.
    for (let round = 1; round <= 5; round++) {
      client.send('{');
      client.send('{');
      await within(
        client.next(() => client.messages.length >= round * 2),
        `round ${round}'s replies`,
      );
    }
    const answer = await within(client.request({ id: 'after', endpoint: '/rest/batch', body: [SESSION] }), 'the request after the bursts');
    assert.is(TestClient.response(answer).status, 200);
    await client.close();
  } finally {
    await ws.close();
  }
});

/** Writes `count` masked, empty ping frames in one socket write, under the client's own framing. */
function pingBurst(client: TestClient, count: number): void {
  const frame = Buffer.from([0x89, 0x80, 0, 0, 0, 0]);
  const socket = (client.socket as unknown as { _socket: { write(data: Buffer): void } })._socket;
  socket.write(Buffer.concat(Array.from({ length: count }, () => frame)));
}

test('50 pings in one write spend the default budget of 100 exactly: each is answered, the connection is throttled, not closed', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    let pongs = 0;
    client.socket.on('pong', () => pongs++);
    pingBurst(client, 50);
    const answer = await within(client.request({ id: 'after', endpoint: '/rest/batch', body: [SESSION] }), 'the request after the pings');
    assert.is(TestClient.response(answer).status, 200);
    assert.is(pongs, 50);
    assert.is(client.socket.readyState, client.socket.OPEN);
    await client.close();
  } finally {
    await ws.close();
  }
});

for (const count of [150, 300]) {
  test(`${count} pings in one write spend more than twice the default budget: closed with 1008 "message rate" after at most 100 pongs`, async () => {
    const { engine } = wsTestEngine();
    const ws = await startWs(engine, { closeGraceMs: 200 });
    try {
      const client = await TestClient.open(ws.url);
      let pongs = 0;
      client.socket.on('pong', () => pongs++);
      pingBurst(client, count);
      const closed = await within(client.closed, 'the ping flooder to be closed');
      assert.equal(closed, { code: 1008, reason: 'message rate' });
      assert.ok(pongs > 0 && pongs <= 100, `${pongs} pongs: the pings within twice the budget are answered, no more`);
    } finally {
      await ws.close();
    }
  });
}

test.run();
