// The WebSocket transport over TLS (attachWebSocket on an https server, wss:) treats readers as over
// plain TCP (ws-backpressure.test.ts, ws-budget-readers.test.ts): a reader that stalls is closed, one
// that reads in bursts or steadily is not. Its two measures of a reader's progress, the write
// timeout's (core's bytesTaken) and the send budget's (the bytes not sent yet, core's bytesUnsent),
// read the TCP socket under TLS. The TLS socket's own fields move only once a whole write has gone,
// and there one write is all the buffer held (node writes what waited behind a write as one), up
// to `highWaterMark`: a reader taking a 24 MiB message steadily at 5 MB/s showed no progress for
// seconds and was cut off, over TLS only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSocketInBursts } from './support/burst-reader.js';
import { slowReaderOfHugeAnswer } from './support/huge-answer-reader.js';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { rawSocket, within } from './support/ws-wait.js';

const MIB = 1024 * 1024;
const SESSION = { Url: 'Sessions', Method: 'POST' };
const ITEM_KB = 256;
const HIGH_WATER = 64 * 1024;
const TLS = { tls: true };
/** The answer of the steady readers: one message of 24 MiB, sent in fragments. */
const HUGE_KIB = 24 * 1024;

/** A `ws` client of the test server over TLS (its certificate is self-signed). */
const openTls = (url: string) => TestClient.open(url, {}, { rejectUnauthorized: false });

/** A batch of a session and `items` results of 256 KiB (one message each). */
const bigBatch = (id: string, items: number) => ({
  id,
  endpoint: '/rest/batch',
  body: [SESSION, ...Array.from({ length: items }, () => ({ Url: `Test/Big/${ITEM_KB}`, Method: 'GET' }))],
});

test('wss: a reader stalled past the write timeout is closed and its batch stops where it waited', async () => {
  const { engine, probe } = wsTestEngine();
  const items = 100;
  const ws = await startWs(engine, { highWaterMark: HIGH_WATER, maxBufferedBytes: 64 * MIB, drainTimeoutMs: 300, closeGraceMs: 100 }, TLS);
  try {
    const client = await openTls(ws.url);
    rawSocket(client.socket).pause();
    client.send(bigBatch('stalled', items));
    await until(() => ws.transport.connections === 0, 'the server has closed the connection');
    await until(() => engine.running === 0, 'the batch has ended');
    const ran = probe.bigCalls;
    assert.ok(ran < items, `the batch stopped early (${ran} of ${items})`);
    rawSocket(client.socket).resume();
    const { code } = await within(client.closed, 'the client to see the close');
    assert.ok(code === 1008 || code === 1006, `closed with ${code}`);
    assert.ok(!client.messages.some((m) => m.type === 'response'), 'no final response was sent');
  } finally {
    await ws.close();
  }
});

test('wss: a client that reads in bursts, pausing longer than the write timeout between them, gets every result', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: HIGH_WATER, drainTimeoutMs: 300, closeGraceMs: 100 }, TLS);
  try {
    const client = await openTls(ws.url);
    const socket = rawSocket(client.socket);
    const items = 40;
    const answer = client.answer('bursts');
    client.send(bigBatch('bursts', items));
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

for (const tls of [false, true]) {
  const scheme = tls ? 'wss' : 'ws';

  test(`${scheme}: a client reading one large message steadily is not cut off by a write timeout shorter than one write takes it (writes of up to highWaterMark: 12 MiB)`, async () => {
    const { engine } = wsTestEngine();
    const ws = await startWs(engine, { highWaterMark: 12 * MIB, drainTimeoutMs: 300, closeGraceMs: 100 }, { tls });
    const reader = await slowReaderOfHugeAnswer(ws.url, HUGE_KIB);
    try {
      await until(() => reader.done() || reader.cut(), 'the reader has its whole answer (or is cut off)', 60_000);
      assert.not.ok(reader.cut(), `the reader is not cut off (it read ${reader.client.count} bytes)`);
    } finally {
      reader.client.destroy();
      await ws.close();
    }
  });

  test(`${scheme}: a client reading one message larger than the send budget steadily is not cut off when another's message waits for room (its socket's unsent bytes fall)`, async () => {
    const { engine } = wsTestEngine();
    // The write timeout is longer than the read: only the budget's stall limit (1 s) judges the reader.
    // A mark as high as the budget lets the reader's fragments fill it.
    const ws = await startWs(engine, { maxTotalBufferedBytes: 8 * MIB, highWaterMark: 8 * MIB, drainTimeoutMs: 60_000 }, { tls });
    const reader = await slowReaderOfHugeAnswer(ws.url, HUGE_KIB);
    let other: TestClient | undefined;
    try {
      await until(() => reader.client.count >= 10 * MIB || reader.cut(), 'the reader has read 10 MiB', 30_000);
      assert.not.ok(reader.cut(), `the reader is not cut off (it read ${reader.client.count} bytes)`);
      other = await (tls ? openTls(ws.url) : TestClient.open(ws.url));
      const answer = other.request({ id: 'small', endpoint: '/rest/Test/Big/512', method: 'GET' });
      await until(() => reader.done() || reader.cut(), 'the reader has its whole answer (or is cut off)', 60_000);
      assert.not.ok(reader.cut(), `the reader is not cut off (it read ${reader.client.count} bytes)`);
      assert.is(TestClient.response(await within(answer, 'the other answer')).status, 200);
    } finally {
      reader.client.destroy();
      other?.socket.terminate();
      await ws.close();
    }
  });
}

test.run();
