import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ResultsMessage } from '@restbatch/ws';
import { type HugeAnswerReader, slowReaderOfHugeAnswer } from './support/huge-answer-reader.js';
import { RawWsClient } from './support/raw-ws-client.js';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const MIB = 1024 * 1024;
/** The answer a slow reader asks for: one 16 MiB message, four times the budget. */
const HUGE_KIB = 16 * 1024;

test('a client reading one message larger than the budget is not cut off when others begin to wait seconds into it: its level does not fall, but its socket queue does', async () => {
  const { engine } = wsTestEngine();
  // drainTimeoutMs is the write timeout, longer than the slow read; the stall limit stays 1 s. The
  // message goes in fragments while the reader's buffer is below its mark: a mark as high as the
  // budget lets the reader hold the whole budget, as one unfragmented message larger than it would.
  const ws = await startWs(engine, { maxTotalBufferedBytes: 4 * MIB, highWaterMark: 4 * MIB, drainTimeoutMs: 60_000 });
  let slow: HugeAnswerReader | undefined;
  let other: TestClient | undefined;
  try {
    slow = await slowReaderOfHugeAnswer(ws.url, HUGE_KIB);
    const reader = slow;
    // Read at 5 MB/s at most, 6 MiB take more than the stall limit, however fast the machine: its level
    // has not fallen since its write began (it falls once all 16 MiB are read), and before the wait
    // began nothing measured its progress. It must be judged from when the wait begins (it was cut off
    // at the first check, 250 ms into the wait, when the write had begun over 0.75 s before).
    await until(() => reader.client.count >= 6 * MIB || reader.cut(), 'the slow reader has read 6 MiB', 30_000);
    assert.not.ok(reader.done(), 'the slow reader is still reading when the other client asks');
    other = await TestClient.open(ws.url);
    const answer = other.request({ id: 'small', endpoint: '/rest/Test/Big/512', method: 'GET' });
    await until(() => reader.done() || reader.cut(), 'the slow reader has its whole answer (or is cut off)', 30_000);
    assert.not.ok(reader.cut(), 'the slow reader is not cut off');
    assert.ok(reader.done(), `the slow reader read all ${reader.client.count} bytes of its answer`);
    assert.is(TestClient.response(await answer).status, 200);
  } finally {
    slow?.client.destroy();
    other?.socket.terminate();
    await ws.close();
  }
});

test('a client that only trickles (about 5 KB/s) does not keep its share while others wait: it is cut off and they are answered', async () => {
  const { engine } = wsTestEngine();
  // Its message goes in fragments while its buffer is below the mark: a mark as high as the budget
  // lets the trickler fill the budget, as one message larger than the budget would.
  const ws = await startWs(engine, { maxTotalBufferedBytes: 4 * MIB, highWaterMark: 4 * MIB, drainTimeoutMs: 60_000 });
  let trickler: RawWsClient | undefined;
  let other: TestClient | undefined;
  try {
    const client = await RawWsClient.open(ws.url);
    trickler = client;
    client.readSlowly(512, 100);
    client.sendText(JSON.stringify({ id: 'huge', endpoint: `/rest/Test/Big/${HUGE_KIB}`, method: 'GET' }));
    await until(() => client.count > 0, 'the huge answer starts to arrive');
    other = await TestClient.open(ws.url);
    let answered: number | undefined;
    void other.request({ id: 'small', endpoint: '/rest/Test/Big/512', method: 'GET' }).then((m) => {
      answered = TestClient.response(m).status;
    });
    // The trickler would need about an hour for its 16 MiB: the other client is answered once it is cut off.
    await until(() => answered !== undefined, 'the other client is answered', 10_000);
    assert.is(answered, 200);
    assert.ok(client.count < HUGE_KIB * 1024, `the trickler read ${client.count} bytes, not its whole answer`);
    // Paused and reading slowly, the trickler sees the server's FIN only after what came before it; the server has dropped it.
    assert.is(ws.transport.connections, 1);
  } finally {
    trickler?.destroy();
    other?.socket.terminate();
    await ws.close();
  }
});

test('a grouped batch waits for room in the budget: it runs no further than its waiting group, then completes', async () => {
  const { engine, probe } = wsTestEngine();
  // The slow reader's fragments fill the budget (its mark is as high); each group of the batch
  // (512 results of 8 KiB) is larger than the budget, so it goes only once the reader has drained.
  const ws = await startWs(engine, { maxTotalBufferedBytes: 4 * MIB, highWaterMark: 4 * MIB, drainTimeoutMs: 60_000 });
  let slow: HugeAnswerReader | undefined;
  let batcher: TestClient | undefined;
  try {
    // A client that reads slowly holds the whole budget for a few seconds (not cut off: it reads).
    slow = await slowReaderOfHugeAnswer(ws.url, HUGE_KIB);
    const reader = slow;
    await until(() => reader.client.count > 0, 'the huge answer starts to arrive');
    const before = probe.bigCalls;
    const items = 1100;
    batcher = await TestClient.open(ws.url);
    const answer = batcher.request({
      id: 'grouped',
      endpoint: '/rest/batch',
      results: 'grouped',
      body: [{ Url: 'Sessions', Method: 'POST' }, ...Array.from({ length: items }, () => ({ Url: 'Test/Big/8', Method: 'GET' }))],
    });
    await until(() => probe.bigCalls > before || batcher?.messages.length !== 0, 'the batch starts');
    assert.is(batcher.messages.length, 0, 'the batch is not refused');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ran = probe.bigCalls - before;
    assert.not.ok(reader.done(), 'the budget is still held by the slow reader');
    // One group (at most 512 results) waits for room; the batch waits with it.
    assert.ok(ran <= 600, `the batch ran ${ran} of its ${items} sub-requests while its first group waited for room`);
    const final = TestClient.response(await answer);
    assert.is(final.status, 200);
    assert.is((final.body as unknown[]).length, items + 1);
    const grouped = batcher.messages.filter((m): m is ResultsMessage => m.id === 'grouped' && m.type === 'results');
    assert.is(
      grouped.reduce((sum, m) => sum + m.items.length, 0),
      items + 1,
    );
    assert.not.ok(reader.cut(), 'the slow reader is not cut off');
  } finally {
    slow?.client.destroy();
    batcher?.socket.terminate();
    await ws.close();
  }
});

test.run();
