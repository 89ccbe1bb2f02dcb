// The client's WebSocket transport against a scripted server that answers only when told: which
// requests are in flight, which wait, and what a closed connection does to both.
import type { AddressInfo } from 'node:net';
import { ClientError, type WireResponse, wsTransport } from '@restbatch/client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket, { WebSocketServer } from 'ws';
import { until } from './support/until.js';
import { within } from './support/ws-wait.js';

/** A server that keeps what it receives and answers when the test says so. */
async function scripted() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const received: Array<{ id: string; endpoint: string; bytes: number }> = [];
  let socket: WebSocket | undefined;
  let connections = 0;
  wss.on('connection', (ws) => {
    connections++;
    socket = ws;
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id: string; endpoint: string };
      received.push({ id: message.id, endpoint: message.endpoint, bytes: data.length });
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/rest/ws`,
    received,
    get connections() {
      return connections;
    },
    /** The endpoints received, in order. */
    endpoints: () => received.map((r) => r.endpoint),
    answer(endpoint: string, type: 'response' | 'error' = 'response') {
      const id = received.find((r) => r.endpoint === endpoint)?.id;
      if (id === undefined) throw new Error(`${endpoint} was not received`);
      socket?.send(
        JSON.stringify(
          type === 'response'
            ? { id, type, status: 200, headers: {}, body: { endpoint } }
            : { id, type, status: 400, code: 'BATCH_MALFORMED', message: 'no' },
        ),
      );
    },
    cut: () => socket?.terminate(),
    close: () => {
      for (const client of wss.clients) client.terminate();
      return new Promise((resolve) => wss.close(resolve));
    },
  };
}

/** Marks a promise as handled, so that a failing assertion before it is awaited does not end the run with an unhandled rejection. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const request = (endpoint: string, signal?: AbortSignal) => ({ method: 'GET', url: endpoint, headers: {}, signal });
/** A few turns of the event loop: time for a message to travel if it was sent. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: ClientError) => error,
  );
}

test('requests past maxConcurrent wait, in order, and each is sent when an answer frees a slot (an error answer too)', async () => {
  const server = await scripted();
  const transport = wsTransport({ url: server.url, WebSocket, maxConcurrent: 2 });
  try {
    const answers = ['/a', '/b', '/c', '/d'].map((e) => handled(transport.send(request(e))));
    await until(() => server.received.length === 2, 'two requests to arrive');
    await settle();
    assert.equal(server.endpoints(), ['/a', '/b']);
    server.answer('/b', 'error');
    await until(() => server.received.length === 3, 'the third request to arrive');
    server.answer('/a');
    await until(() => server.received.length === 4, 'the fourth request to arrive');
    assert.equal(server.endpoints(), ['/a', '/b', '/c', '/d']);
    server.answer('/c');
    server.answer('/d');
    const statuses = (await Promise.all(answers)).map((r: WireResponse) => r.status);
    assert.equal(statuses, [200, 400, 200, 200]);
  } finally {
    await transport.close?.();
    await server.close();
  }
});

test('an aborted request in flight rejects at once but keeps its slot until the server answers it', async () => {
  const server = await scripted();
  const transport = wsTransport({ url: server.url, WebSocket, maxConcurrent: 1 });
  try {
    const controller = new AbortController();
    const first = rejection(transport.send(request('/held', controller.signal)));
    await until(() => server.received.length === 1, 'the first request to arrive');
    controller.abort();
    assert.is((await first).code, 'ABORTED');
    const second = handled(transport.send(request('/next')));
    await settle();
    assert.equal(server.endpoints(), ['/held'], 'the server still runs /held: /next waits for its slot');
    server.answer('/held');
    await until(() => server.received.length === 2, 'the second request to arrive');
    server.answer('/next');
    assert.equal((await second).body, { endpoint: '/next' });
  } finally {
    await transport.close?.();
    await server.close();
  }
});

test('a request aborted while it waits is never sent', async () => {
  const server = await scripted();
  const transport = wsTransport({ url: server.url, WebSocket, maxConcurrent: 1 });
  try {
    const first = handled(transport.send(request('/first')));
    await until(() => server.received.length === 1, 'the first request to arrive');
    const controller = new AbortController();
    const dropped = rejection(transport.send(request('/dropped', controller.signal)));
    const last = handled(transport.send(request('/last')));
    await settle();
    controller.abort();
    assert.is((await dropped).code, 'ABORTED');
    server.answer('/first');
    await first;
    await until(() => server.received.length === 2, 'the last request to arrive');
    server.answer('/last');
    await last;
    await settle();
    assert.equal(server.endpoints(), ['/first', '/last']);
  } finally {
    await transport.close?.();
    await server.close();
  }
});

test('a connection that closes fails the requests in flight and those waiting; the next connection starts with every slot free', async () => {
  const server = await scripted();
  const transport = wsTransport({ url: server.url, WebSocket, maxConcurrent: 2 });
  try {
    const lost = ['/1', '/2', '/3', '/4', '/5'].map((e) => rejection(transport.send(request(e))));
    await until(() => server.received.length === 2, 'two requests to arrive');
    server.cut();
    const errors = await Promise.all(lost);
    assert.ok(errors.every((e) => e instanceof ClientError && e.code === 'TRANSPORT_FAILED'));
    const again = ['/6', '/7'].map((e) => handled(transport.send(request(e))));
    await until(() => server.received.length === 4, 'both new requests to arrive');
    assert.is(server.connections, 2);
    assert.equal(server.endpoints().slice(2), ['/6', '/7']);
    server.answer('/6');
    server.answer('/7');
    assert.equal(
      (await Promise.all(again)).map((r) => r.status),
      [200, 200],
    );
  } finally {
    await transport.close?.();
    await server.close();
  }
});

test('close() lets the requests handed over finish (in flight, then those waiting for a slot) before it closes the connection', async () => {
  const server = await scripted();
  const transport = wsTransport({ url: server.url, WebSocket, maxConcurrent: 1 });
  try {
    const answers = ['/1', '/2'].map((e) => handled(transport.send(request(e))));
    await until(() => server.received.length === 1, 'the first request to arrive');
    let closed = false;
    const closing = transport.close!().then(() => {
      closed = true;
    });
    server.answer('/1');
    await until(() => server.received.length === 2, 'the waiting request to be sent');
    assert.is(closed, false, 'close() waits for the request still waiting');
    server.answer('/2');
    await closing;
    assert.equal(
      (await Promise.all(answers)).map((r) => r.status),
      [200, 200],
    );
  } finally {
    await server.close();
  }
});

test('close() fails what is still unanswered after closeTimeoutMs (0: at once), and an aborted request is not waited for', async () => {
  const server = await scripted();
  try {
    const bounded = wsTransport({ url: server.url, WebSocket, maxConcurrent: 1, closeTimeoutMs: 20 });
    const lost = ['/1', '/2'].map((e) => rejection(bounded.send(request(e))));
    await until(() => server.received.length === 1, 'the first request to arrive');
    await bounded.close?.();
    assert.equal(
      (await Promise.all(lost)).map((e) => e.code),
      ['TRANSPORT_FAILED', 'TRANSPORT_FAILED'],
    );
    const at = wsTransport({ url: server.url, WebSocket, closeTimeoutMs: 0 });
    const now = rejection(at.send(request('/3')));
    await until(() => server.received.length === 2, 'the request to arrive');
    await at.close?.();
    assert.is((await now).code, 'TRANSPORT_FAILED');
    // Aborted in flight, its answer is ignored: close() does not wait for it (the default bound is 5 s).
    const waits = wsTransport({ url: server.url, WebSocket });
    const controller = new AbortController();
    const given = rejection(waits.send(request('/4', controller.signal)));
    await until(() => server.received.length === 3, 'the request to arrive');
    controller.abort();
    await within(waits.close!(), 'close() with only an aborted request in flight');
    assert.is((await given).code, 'ABORTED');
  } finally {
    await server.close();
  }
});

test('the message limit is exact in UTF-8 bytes: a message of maxMessageBytes is sent, one byte less refuses it', async () => {
  const server = await scripted();
  const body = { text: 'aé€😀'.repeat(50) };
  const send = (maxMessageBytes?: number) => {
    // closeTimeoutMs 0: close() does not wait for the request, never answered: it fails then.
    const transport = wsTransport({ url: server.url, WebSocket, maxMessageBytes, closeTimeoutMs: 0 });
    // A fresh transport numbers its first request alike, so its message is the same bytes. Never
    // answered: it fails when the transport closes.
    return { transport, answer: handled(transport.send({ method: 'POST', url: '/size', headers: {}, body })) };
  };
  const first = send();
  try {
    await until(() => server.received.length === 1, 'the message to arrive');
    const bytes = server.received[0]!.bytes;
    assert.ok(bytes * 3 > bytes + 150, 'the text is long enough that its units are counted');
    const refused = send(bytes - 1);
    const error = await within(rejection(refused.answer), 'the refusal');
    assert.is(error.code, 'INVALID_CALL');
    assert.is(error.status, 413);
    const fits = send(bytes);
    await until(() => server.received.length === 2, 'the message at the limit to arrive');
    assert.is(server.received[1]!.bytes, bytes);
    await fits.transport.close?.();
    assert.is((await rejection(fits.answer)).code, 'TRANSPORT_FAILED');
  } finally {
    await first.transport.close?.();
    await rejection(first.answer);
    await server.close();
  }
});

test('wsTransport refuses limits that are not positive (integers, but for the window; closeTimeoutMs may be 0) with INVALID_OPTIONS', () => {
  const url = 'ws://127.0.0.1:1/rest/ws';
  const bad: Array<[string, unknown]> = [
    ['maxConcurrent', 0],
    ['maxConcurrent', -1],
    ['maxConcurrent', 1.5],
    ['maxConcurrent', Number.NaN],
    ['maxConcurrent', Number.POSITIVE_INFINITY],
    ['maxConcurrent', '16'],
    ['maxMessagesPerWindow', 0],
    ['maxMessagesPerWindow', Number.NaN],
    ['messageWindowMs', 0],
    ['messageWindowMs', -5],
    ['messageWindowMs', Number.NaN],
    ['messageWindowMs', Number.POSITIVE_INFINITY],
    ['maxMessageBytes', 0],
    ['closeTimeoutMs', -1],
    ['closeTimeoutMs', Number.NaN],
    ['closeTimeoutMs', Number.POSITIVE_INFINITY],
    ['closeTimeoutMs', '5'],
    ['maxMessageBytes', 10.5],
    ['maxMessageBytes', null],
  ];
  for (const [name, value] of bad) {
    assert.throws(
      () => wsTransport({ url, WebSocket, [name]: value } as never),
      (error: unknown) => error instanceof ClientError && error.code === 'INVALID_OPTIONS' && error.message.includes(name),
      `${name}: ${String(value)}`,
    );
  }
  wsTransport({ url, WebSocket, maxConcurrent: 1, maxMessagesPerWindow: 1, messageWindowMs: 0.5, maxMessageBytes: 1, closeTimeoutMs: 0 });
  wsTransport({ url, WebSocket, closeTimeoutMs: 2.5 });
});

test.run();
