import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { wsTransport } from '@restbatch/client';
import type { ResultsMessage, ServerMessage } from '@restbatch/ws';
import WebSocket from 'ws';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });
const hold = (name: string) => ({ Url: `Test/Hold/${name}`, Method: 'POST' });

const groupsOf = (messages: ServerMessage[], id: string) =>
  messages.filter((m): m is ResultsMessage => m.id === id && m.type === 'results');

test('with results "grouped", the items final in one turn come as one results message, in index order, before the response', async () => {
  // The batch never lets go of the loop here (no yield interval): all its items are final in one turn.
  const { engine } = wsTestEngine({ limits: { yieldIntervalMs: 0 } });
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  try {
    const answer = await client.request({
      id: 'g',
      endpoint: '/rest/batch',
      results: 'grouped',
      body: [SESSION, echo('a'), echo('b'), echo('c')],
    });
    const response = TestClient.response(answer);
    assert.is(response.status, 200);
    assert.equal(
      client.messages.map((m) => m.type),
      ['results', 'response'],
    );
    const [group] = groupsOf(client.messages, 'g');
    assert.equal(
      group?.items.map((one) => one.index),
      [0, 1, 2, 3],
    );
    assert.equal(
      group?.items.map((one) => one.item),
      response.body,
    );
    assert.equal(answer.results, []);
  } finally {
    await client.close();
    await ws.close();
  }
});

test('grouped results are still streamed: what is final before a handler waits arrives while it waits', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  try {
    client.send({ id: 's', endpoint: '/rest/batch', results: 'grouped', body: [SESSION, echo('a'), hold('h'), echo('b')] });
    await probe.whenStarted('h');
    // Under load a turn may end between 0 and 1 (two messages then): what counts is that both
    // arrived while `h` is still held.
    await client.next((m) => m.id === 's' && m.type === 'results' && (m as ResultsMessage).items.some((one) => one.index === 1));
    assert.equal(
      groupsOf(client.messages, 's').flatMap((g) => g.items.map((one) => one.index)),
      [0, 1],
    );
    assert.is(
      client.messages.some((m) => m.type === 'response'),
      false,
    );
    probe.release('h');
    const answer = await client.answer('s');
    assert.is(TestClient.response(answer).status, 200);
    assert.equal(
      groupsOf(client.messages, 's').flatMap((g) => g.items.map((one) => one.index)),
      [0, 1, 2, 3],
    );
  } finally {
    await client.close();
    await ws.close();
  }
});

test('a message without results gets one result message per item, as before', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  try {
    const answer = await client.request({ id: 'e', endpoint: '/rest/batch', results: 'each', body: [SESSION, echo('a')] });
    assert.is(TestClient.response(answer).status, 200);
    assert.equal(
      client.messages.map((m) => m.type),
      ['result', 'result', 'response'],
    );
  } finally {
    await client.close();
    await ws.close();
  }
});

test('results other than "each" or "grouped": BATCH_MALFORMED 400, and the connection stays open', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  try {
    const answer = await client.request({ id: 'x', endpoint: '/rest/batch', results: 'all', body: [SESSION] });
    assert.is(answer.final.type, 'error');
    assert.is((answer.final as { code?: string }).code, 'BATCH_MALFORMED');
    assert.is((answer.final as { status?: number }).status, 400);
    const after = await client.request({ id: 'y', endpoint: '/rest/batch', body: [SESSION] });
    assert.is(TestClient.response(after).status, 200);
  } finally {
    await client.close();
    await ws.close();
  }
});

test('the typed client asks for grouped results and hands each item to onItem, in index order', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const sent: string[] = [];
  class Recording extends WebSocket {
    override send(data: string): void {
      sent.push(data);
      super.send(data);
    }
  }
  const transport = wsTransport({ url: ws.url, WebSocket: Recording as never });
  try {
    const seen: Array<[number, unknown]> = [];
    const response = await transport.send({
      method: 'POST',
      url: '/rest/batch',
      headers: {},
      body: [SESSION, echo('a'), echo('b')],
      onItem: (item, index) => seen.push([index, item]),
    });
    assert.is(response.status, 200);
    assert.is(JSON.parse(sent[0] as string).results, 'grouped');
    assert.equal(
      seen.map(([index]) => index),
      [0, 1, 2],
    );
    assert.equal(
      seen.map(([, item]) => (item as { ReturnCode: string }).ReturnCode),
      ['201', '201', '201'],
    );
  } finally {
    await transport.close?.();
    await ws.close();
  }
});

test.run();
