import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerMessage } from '@restbatch/ws';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const hold = (name: string) => ({ Url: `Test/Hold/${name}`, Method: 'POST' });
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** The code of each id's final message (`response` for a response). */
function finals(messages: ServerMessage[]): Map<unknown, string> {
  const out = new Map<unknown, string>();
  for (const m of messages) {
    if (m.type === 'error') out.set(m.id, m.code);
    else if (m.type === 'response') out.set(m.id, 'response');
  }
  return out;
}

test('every request sent while a batch drains is answered SHUTTING_DOWN, the answers costing no budget, then 1001', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { messageWindowMs: 3000, maxMessagesPerWindow: 20 });
  try {
    const client = await TestClient.open(ws.url);
    client.send({ id: 'run', endpoint: '/rest/batch', body: [SESSION, hold('h')] });
    await within(probe.whenStarted('h'), 'the held sub-request to start');
    const closing = ws.transport.close();
    const late = ids('late', 15);
    for (const id of late) client.send({ id, endpoint: '/rest/batch', body: [SESSION, echo(id)] });
    // Every late request reached the server before the running batch ends (a loaded machine may take longer than any fixed wait).
    await within(client.flushed(), 'the server to read the late requests');
    // The running batch ends well before the window (3 s): the connection closes at once.
    probe.release('h');
    await within(closing, 'the transport to close');
    assert.is((await within(client.closed, 'the client to see the close')).code, 1001);
    const codes = finals(client.messages);
    assert.equal(
      late.map((id) => codes.get(id)),
      late.map(() => 'SHUTTING_DOWN'),
    );
    assert.is(codes.get('run'), 'response');
  } finally {
    probe.release('h');
    await ws.close();
  }
});

test('requests queued past a spent window when close() starts are all answered SHUTTING_DOWN and the close is 1001, not 1008', async () => {
  const { engine } = wsTestEngine();
  // 19 requests may all be read before the first ends (a loaded machine): none may be over the
  // connection's concurrency limit (16 by default), whose RATE_LIMITED replies would spend the window early.
  const ws = await startWs(engine, { messageWindowMs: 60_000, maxMessagesPerWindow: 20, maxConcurrent: 32 });
  try {
    const client = await TestClient.open(ws.url);
    const first = ids('g', 19);
    for (const id of first) client.send({ id, endpoint: '/rest/batch', body: [SESSION, echo(id)] });
    client.send('{"id":'); // one more message and its error reply: the window is spent past its limit
    const queued = ids('q', 20);
    for (const id of queued) client.send({ id, endpoint: '/rest/batch', body: [SESSION, echo(id)] });
    await within(Promise.all(first.map((id) => client.answer(id))), 'the first requests to be answered');
    // The queued requests have left the client (on loopback they are then in the server's socket):
    // read or not yet read (the spent window stopped reading), each is answered before the close.
    await until(() => client.socket.bufferedAmount === 0, 'the client to have written the queued requests');
    await within(ws.transport.close(), 'the transport to close');
    const closed = await within(client.closed, 'the client to see the close');
    const codes = finals(client.messages);
    for (const id of first) assert.is(codes.get(id), 'response', id);
    assert.equal(
      queued.map((id) => codes.get(id)),
      queued.map(() => 'SHUTTING_DOWN'),
    );
    assert.is(closed.code, 1001);
  } finally {
    await ws.close();
  }
});

test.run();
