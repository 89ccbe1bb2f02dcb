// A message whose JSON passes 1 Mi characters (a batch's final `response` repeats every result; a
// `results` group holds up to 512) is made in slices and sent as the fragments of one message
// (RFC 6455 §5.4), each once the send buffer has drained: so its text and bytes never exist
// whole and the event loop is never held for the whole of it. A standard client sees one message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ResponseMessage, type ResultsMessage, type ServerMessage } from '@restbatch/ws';
import { WebSocket } from 'ws';
import { until } from './support/until.js';
import { type Frame, type FramedMessage, WsFrameClient } from './support/ws-frame-client.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { steady, within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const OPCODE = { continuation: 0, text: 1 };
/** A parameter value of 65536 code points (the schema's most) mixing a 3-byte character and a surrogate pair (4 bytes). */
const MIXED = '€😀'.repeat(32_768);

/** A batch of `count` reads of a 64 KiB `Test/Big` answer: `count` × 64 Ki characters of results, repeated in the response. */
const bigBatch = (id: string, count: number, extra: Record<string, unknown> = {}) => ({
  id,
  endpoint: '/rest/batch',
  body: [SESSION, ...Array.from({ length: count }, () => ({ Url: 'Test/Big/64', Method: 'GET' }))],
  ...extra,
});

/** A batch that stores {@link MIXED} as the parameter `Big` and reads it `count` times. */
const mixedBatch = (id: string, count: number) => ({
  id,
  endpoint: '/rest/batch',
  body: [
    SESSION,
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Big', Value: MIXED } },
    ...Array.from({ length: count }, () => ({ Url: 'Parameters/Big', Method: 'GET' })),
  ],
});

const isFinal = (id: string) => (text: string) => text.startsWith(`{"id":"${id}","type":"response"`);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks that `message` came as one text frame without FIN, continuations, and FIN on the last only (RFC 6455 §5.4). */
function assertFragmented(message: FramedMessage, what: string): void {
  const { frames } = message;
  assert.ok(frames.length > 1, `${what} came in ${frames.length} frames`);
  assert.equal(
    frames.map((f) => f.opcode),
    [OPCODE.text, ...frames.slice(1).map(() => OPCODE.continuation)],
    `${what}: a text frame, then continuations`,
  );
  assert.equal(
    frames.map((f) => f.fin),
    [...frames.slice(1).map(() => false), true],
    `${what}: FIN on its last frame only`,
  );
}

/**
 * Records what the server hands to its sockets: ws's `send` on server-side sockets, with the
 * options and the rise of `bufferedAmount` (the level the send budget reads). The TCP socket is
 * corked around each send, so the write waits in node's buffer and counts whole in the level
 * (a socket that takes it at once would leave no rise to see).
 */
function spyServerSends(): { calls: Array<{ bytes: number; text: string; fin: boolean; rise: number }>; restore: () => void } {
  const calls: Array<{ bytes: number; text: string; fin: boolean; rise: number }> = [];
  const proto = WebSocket.prototype as unknown as { send: (...args: unknown[]) => void };
  const send = proto.send;
  proto.send = function (this: WebSocket & { _isServer: boolean }, data: unknown, options?: unknown, cb?: unknown) {
    if (!this._isServer) return send.call(this, data, options, cb);
    const socket = (this as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    socket.cork();
    const before = this.bufferedAmount;
    send.call(this, data, options, cb);
    const rise = this.bufferedAmount - before;
    socket.uncork();
    const text = typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('utf8');
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).length;
    calls.push({ bytes, text, fin: (options as { fin?: boolean } | undefined)?.fin !== false, rise });
  };
  return { calls, restore: () => (proto.send = send) };
}

test('a response over 1 Mi characters goes as one message in fragments (§5.4: text, continuations, FIN on the last only); its text is the JSON of the message', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await WsFrameClient.open(ws.url);
  try {
    client.send(bigBatch('big', 40));
    const final = await within(client.message(isFinal('big')), 'the response');
    assertFragmented(final, 'the response');
    // Byte for byte what one JSON.stringify of the message writes.
    const message = JSON.parse(final.text) as ResponseMessage;
    assert.is(final.text, JSON.stringify(message));
    assert.is(message.status, 200);
    const body = message.body as Array<{ ReturnCode: string }>;
    assert.is(body.length, 41);
    // Each item as its own result message carried it (results of 64 Ki characters go whole).
    const results = client.messages.filter((m) => m.text.startsWith('{"id":"big","type":"result"'));
    assert.is(results.length, 41);
    for (const result of results) {
      assert.is(result.frames.length, 1);
      const { index, item } = JSON.parse(result.text) as { index: number; item: unknown };
      assert.equal(body[index], item);
    }
    // No other data frame between the response's first frame and its last.
    assert.ok(
      client.frames
        .slice(final.first, final.first + final.frames.length)
        .every((f) => f.opcode === OPCODE.continuation || f === final.frames[0]),
    );
  } finally {
    client.destroy();
    await ws.close();
  }
});

test('every fragment is whole UTF-8 (no cut between the halves of a surrogate pair), and a standard client reads the whole message as sent', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const raw = await WsFrameClient.open(ws.url);
  const standard = await TestClient.open(ws.url);
  try {
    raw.send(mixedBatch('mixed', 24));
    const final = await within(raw.message(isFinal('mixed')), 'the response');
    assertFragmented(final, 'the response');
    for (const frame of final.frames) utf8.decode(frame.payload);
    const body = (JSON.parse(final.text) as ResponseMessage).body as Array<{ ResponseContent: { Value: string } }>;
    assert.ok(
      body.slice(2).every((item) => item.ResponseContent.Value === MIXED),
      'every read has the value as stored',
    );
    // `ws` joins the fragments: its client sees one message, the same JSON.
    const response = TestClient.response(await within(standard.request(mixedBatch('std', 24)), 'the standard client'));
    const items = response.body as Array<{ ResponseContent: { Value: string } }>;
    assert.is(items.length, 26);
    assert.ok(items.slice(2).every((item) => item.ResponseContent.Value === MIXED));
  } finally {
    raw.destroy();
    standard.socket.terminate();
    await ws.close();
  }
});

test('a results group over 1 Mi characters comes in fragments too, and the client reads every item', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await WsFrameClient.open(ws.url);
  try {
    client.send(bigBatch('g', 40, { results: 'grouped' }));
    await within(client.message(isFinal('g')), 'the response');
    const groups = client.messages.filter((m) => m.text.startsWith('{"id":"g","type":"results"'));
    const large = groups.filter((m) => m.text.length > 1024 * 1024);
    assert.ok(large.length > 0, 'one group passes 1 Mi characters');
    for (const group of large) assertFragmented(group, 'a large group');
    const indexes = groups.flatMap((m) => (JSON.parse(m.text) as ResultsMessage).items.map((i) => i.index));
    assert.equal(
      indexes.sort((a, b) => a - b),
      Array.from({ length: 41 }, (_, i) => i),
    );
  } finally {
    client.destroy();
    await ws.close();
  }
});

test('what the server hands to its socket is UTF-8 bytes: bufferedAmount, the level the send budget reads, rises by the bytes of a message with "€", not by its characters', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const spy = spyServerSends();
  const client = await TestClient.open(ws.url);
  try {
    const response = TestClient.response(await within(client.request(mixedBatch('m', 2)), 'the response'));
    assert.is(response.status, 200);
    const read = spy.calls.find((c) => c.text.startsWith('{"id":"m","type":"result","index":2'));
    assert.ok(read !== undefined, 'the read of the value went out as one message');
    assert.ok(read.bytes > read.text.length * 2, `it holds ${read.bytes} bytes for ${read.text.length} characters`);
    // A frame head of 10 bytes on top of the payload: its bytes, not its UTF-16 length.
    assert.ok(read.rise >= read.bytes && read.rise <= read.bytes + 14, `bufferedAmount rose by ${read.rise} for ${read.bytes} bytes`);
  } finally {
    spy.restore();
    await client.close();
    await ws.close();
  }
});

test('a large response goes to the socket in several fragments, FIN on the last only, each at most 64 Ki characters', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const spy = spyServerSends();
  const client = await TestClient.open(ws.url);
  try {
    TestClient.response(await within(client.request(bigBatch('s', 40)), 'the response'));
    const start = spy.calls.findIndex((c) => c.text.startsWith('{"id":"s","type":"response"'));
    const end = spy.calls.findIndex((c, i) => i >= start && c.fin);
    assert.ok(start >= 0 && end > start + 1, `the response went in ${end - start + 1} sends`);
    assert.ok(spy.calls.slice(start, end + 1).every((c) => c.text.length <= 64 * 1024));
    assert.is(
      JSON.parse(
        spy.calls
          .slice(start, end + 1)
          .map((c) => c.text)
          .join(''),
      ).id,
      's',
    );
  } finally {
    spy.restore();
    await client.close();
    await ws.close();
  }
});

test('a batch’s results count against maxResultBytesInFlight until its response has gone to the socket (EngineRequest.written): more than 0 while the client does not read it, 0 once it did', async () => {
  const { engine } = wsTestEngine();
  // A small mark: the response stalls a few fragments in, behind what the kernel takes.
  const ws = await startWs(engine, { highWaterMark: 64 * 1024, drainTimeoutMs: 60_000 });
  const client = await WsFrameClient.open(ws.url);
  try {
    let started = false;
    client.onFrame = (frame: Frame) => {
      // The response's first fragment: the batch has ended; the client stops reading here.
      if (!started && frame.opcode === OPCODE.text && !frame.fin && frame.payload.toString('latin1', 0, 40).includes('"type":"response"')) {
        started = true;
        client.socket.pause();
      }
    };
    // 24 MiB of response: more than the kernel's socket buffers take.
    client.send(bigBatch('w', 384));
    await within(
      client.frame(() => started),
      'the response begins',
      20_000,
    );
    await until(() => engine.running === 0, 'the batch has ended');
    const held = await steady(() => engine.resultBytesInFlight, 'the results in flight');
    assert.ok(held > 384 * 64 * 1024, `the results (${held} characters) are still charged while the response waits`);
    client.socket.resume();
    const final = await within(client.message(isFinal('w')), 'the whole response', 20_000);
    assert.is(((JSON.parse(final.text) as ResponseMessage).body as unknown[]).length, 385);
    await until(() => engine.resultBytesInFlight === 0, 'the results are given back');
  } finally {
    client.destroy();
    await ws.close();
  }
});

test('a client that stops reading in the middle of a large response meets the write timeout, and the results are given back', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: 64 * 1024, drainTimeoutMs: 300, closeGraceMs: 200 });
  const client = await WsFrameClient.open(ws.url);
  try {
    let started = false;
    client.onFrame = (frame: Frame) => {
      if (!started && frame.opcode === OPCODE.text && !frame.fin) {
        started = true;
        client.socket.pause();
      }
    };
    client.send(bigBatch('t', 384));
    await within(
      client.frame(() => started),
      'the response begins',
      20_000,
    );
    await until(() => ws.transport.connections === 0, 'the server has dropped the connection', 10_000);
    await until(() => engine.resultBytesInFlight === 0 && engine.running === 0, 'the results are given back');
  } finally {
    client.destroy();
    await ws.close();
  }
});

test('a small answer or an error reply due while a large message is being sent comes after its last fragment, never between two of them', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: 64 * 1024, drainTimeoutMs: 60_000 });
  const client = await WsFrameClient.open(ws.url);
  try {
    client.send({ id: 'small', endpoint: '/rest/Test/Hold/small', method: 'POST' });
    await probe.whenStarted('small');
    let started = false;
    client.onFrame = (frame: Frame) => {
      if (!started && frame.opcode === OPCODE.text && !frame.fin) {
        started = true;
        client.socket.pause();
      }
    };
    client.send(bigBatch('big', 384));
    await within(
      client.frame(() => started),
      'the large response begins',
      20_000,
    );
    // The small request ends while the large response waits for the client: its answer is ready now.
    probe.release('small');
    await until(() => engine.running === 0, 'both requests have ended');
    // Read by the server once its buffer drains (in the middle of the large response), answered with an error.
    client.send('not json');
    client.socket.resume();
    const big = await within(client.message(isFinal('big')), 'the large response', 20_000);
    const small = await within(client.message(isFinal('small')), 'the small response');
    const error = await within(
      client.message((text) => text.includes('"code":"JSON_MALFORMED"')),
      'the error reply',
    );
    assertFragmented(big, 'the large response');
    const last = big.first + big.frames.length - 1;
    assert.ok(small.first > last, 'the small answer comes after the last fragment');
    assert.ok(error.first > last, 'the error reply comes after the last fragment');
    const data = client.frames.filter((f) => f.opcode <= 2);
    const bigStart = data.indexOf(big.frames[0] as Frame);
    assert.ok(data.slice(bigStart + 1, bigStart + big.frames.length).every((f) => f.opcode === OPCODE.continuation));
    assert.equal((JSON.parse(small.text) as ServerMessage & { body: unknown }).body, { name: 'small' });
    assert.is(((JSON.parse(big.text) as ResponseMessage).body as unknown[]).length, 385);
  } finally {
    client.destroy();
    await ws.close();
  }
});

test.run();
