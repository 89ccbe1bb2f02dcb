import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const hold = (name: string) => ({ Url: `Test/Hold/${name}`, Method: 'POST' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a connection with nothing running whose client sends nothing and answers no ping is closed with 1001 "Idle timeout"', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { idleTimeoutMs: 200, closeGraceMs: 200 });
  try {
    const client = await TestClient.open(ws.url, {}, { autoPong: false });
    const pings: number[] = [];
    client.socket.on('ping', () => pings.push(Date.now()));
    const closed = await within(client.closed, 'the idle connection to be closed', 3000);
    assert.equal(closed, { code: 1001, reason: 'Idle timeout' });
    assert.ok(pings.length >= 1, 'the server pinged before giving up');
    await until(() => ws.transport.connections === 0, 'the server has dropped the connection');
  } finally {
    await ws.close();
  }
});

test('a client that answers pings stays connected through several idle timeouts', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { idleTimeoutMs: 400 });
  try {
    const client = await TestClient.open(ws.url);
    await sleep(1300);
    assert.is(client.socket.readyState, client.socket.OPEN);
    assert.is(TestClient.response(await client.request({ id: 1, endpoint: '/rest/batch', body: [SESSION] })).status, 200);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('a connection with a batch running is not idle, even when its client answers no ping', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { idleTimeoutMs: 150 });
  try {
    const client = await TestClient.open(ws.url, {}, { autoPong: false });
    client.send({ id: 'long', endpoint: '/rest/batch', body: [SESSION, hold('long')] });
    await probe.whenStarted('long');
    await sleep(500);
    probe.release('long');
    const answer = await within(client.answer('long'), 'the long batch');
    assert.is(TestClient.response(answer).status, 200);
    assert.equal(probe.aborted, []);
    await client.close();
  } finally {
    await ws.close();
  }
});

test.run();
