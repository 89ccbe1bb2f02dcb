import 'reflect-metadata';
import { type DataPoint, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createEngine, type Engine } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Item } from './support/features-engine.js';
import { big, held, inFlightEngine, TRANSPORTS, withTransport } from './support/in-flight-engine.js';
import { listen } from './support/listen.js';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';

const KIB = 1024;
/** One batch may hold the whole pool: what one leaked character would refuse is then visible. */
const WHOLE = { maxResultBytes: 100 * KIB, maxResultBytesInFlight: 100 * KIB };

/** Sends one batch through the direct transport and returns its items. */
async function direct(engine: Engine, body: unknown, signal?: AbortSignal): Promise<{ status: number; items: Item[] }> {
  const res = await createDirectCaller(engine)({ url: '/api/batch', body, signal });
  return { status: res.status, items: (res.body as { results: Item[] }).results };
}

/**
 * The pool is back to zero: nothing is held, and a batch whose result needs nearly the whole pool
 * (99 KiB of 100) gets it in full. A character left charged by an earlier batch would refuse it.
 */
async function assertPoolFree(engine: Engine): Promise<void> {
  await until(() => engine.resultBytesInFlight === 0, 'the pool is back to zero');
  const { items } = await direct(engine, { requests: [big(99)] });
  assert.is(items[0]!.status, 200);
  assert.is((items[0]!.body as { text: string }).text.length, 99 * KIB);
  assert.is(engine.resultBytesInFlight, 0);
}

test('limits.maxResultBytesInFlight below maxResultBytes, or not a whole number, is refused when the engine is created', () => {
  const make = (limits: Record<string, number>) => () =>
    createEngine({ apis: [{ base: '/api', resources: [] }], limits, logger: { error: () => undefined } });
  assert.throws(
    make({ maxResultBytes: 1000, maxResultBytesInFlight: 999 }),
    /limits\.maxResultBytesInFlight must be .* at least limits\.maxResultBytes \(1000\), not 999/,
  );
  assert.throws(make({ maxResultBytesInFlight: Number.NaN }), /limits\.maxResultBytesInFlight must be a whole number/);
  assert.throws(make({ maxResultBytesInFlight: 1.5 * 1024 ** 3 + 0.5 }), /limits\.maxResultBytesInFlight must be a whole number/);
  assert.throws(make({ maxResultBytes: -1 }), /limits\.maxResultBytes must be a whole number/);
  // The default pool holds 256 MiB, beside the default 32 MiB per batch; equal values are fine.
  assert.is(make({})().limits.maxResultBytesInFlight, 256 * 1024 * 1024);
  assert.is(make({ maxResultBytes: 1000, maxResultBytesInFlight: 1000 })().limits.maxResultBytesInFlight, 1000);
});

for (const transport of TRANSPORTS) {
  test(`${transport}: concurrent batches each within maxResultBytes but past the pool together: a result that does not fit answers 503 RESULTS_BUSY with Retry-After, a later small one fits, and afterwards the whole budget is free`, async () => {
    const { engine, holds } = inFlightEngine({ maxResultBytes: 60 * KIB, maxResultBytesInFlight: 100 * KIB });
    await withTransport(transport, engine, async (send) => {
      const first = send({ requests: [big(40), held('a'), big(1)] });
      await holds.started('a');
      const second = send({ requests: [big(40), held('b'), big(1)] });
      await holds.started('b');
      assert.is(engine.resultBytesInFlight, 2 * (40 * KIB + 11));
      // 80 KiB are held: 40 more do not fit in 100, 10 do.
      const third = await send({ requests: [big(40), big(10)] });
      assert.equal(
        third.map((item) => item.status),
        [503, 200],
      );
      assert.is(third[0]!.error?.code, 'RESULTS_BUSY');
      assert.is(third[0]!.headers['retry-after'], '1');
      assert.match(third[0]!.error!.message, /102400 characters of results the server holds for all batches at once; retry later/);
      assert.is((third[1]!.body as { text: string }).text.length, 10 * KIB);
      holds.release('a');
      holds.release('b');
      for (const items of await Promise.all([first, second])) {
        assert.equal(
          items.map((item) => item.status),
          [200, 201, 200],
        );
      }
      await until(() => engine.resultBytesInFlight === 0, 'the pool is back to zero');
      // Alone, a batch gets its whole budget again (59 KiB of 60).
      const full = await send({ requests: [big(59)] });
      assert.is(full[0]!.status, 200);
      assert.is((full[0]!.body as { text: string }).text.length, 59 * KIB);
    });
  });
}

test('the pool is bounded per engine: two engines in one process never take from each other', async () => {
  const one = inFlightEngine(WHOLE);
  const two = inFlightEngine(WHOLE);
  const holding = direct(one.engine, { requests: [big(90), held('a')] });
  await one.holds.started('a');
  const { items } = await direct(two.engine, { requests: [big(90)] });
  assert.is(items[0]!.status, 200);
  one.holds.release('a');
  await holding;
  assert.is(one.engine.resultBytesInFlight, 0);
});

test('released after a failure under the stop policy', async () => {
  const { engine } = inFlightEngine(WHOLE);
  const { items } = await direct(engine, { onFail: 'stop', requests: [big(40), { method: 'POST', url: 'Heavy/fail' }, big(1)] });
  assert.equal(
    items.map((item) => item.status),
    [200, 400, 424],
  );
  await assertPoolFree(engine);
});

test('released after an atomic batch rolls back', async () => {
  const { engine } = inFlightEngine(WHOLE);
  const { items } = await direct(engine, { onFail: 'atomic', requests: [big(40), { method: 'POST', url: 'Heavy/fail' }] });
  assert.equal(
    items.map((item) => item.error?.code),
    ['ROLLED_BACK', 'VALIDATION_FAILED'],
  );
  await assertPoolFree(engine);
});

test('released after the batch passes its deadline', async () => {
  const { engine } = inFlightEngine(WHOLE);
  const { items } = await direct(engine, { timeoutMs: 50, requests: [big(40), { method: 'GET', url: 'Heavy/wait' }, big(1)] });
  assert.equal(
    items.map((item) => item.status),
    [200, 504, 504],
  );
  await assertPoolFree(engine);
});

test('released after a batch sent with an Idempotency-Key (its answer kept to replay)', async () => {
  const { engine } = inFlightEngine(WHOLE);
  const res = await createDirectCaller(engine)({ url: '/api/batch', headers: { 'idempotency-key': 'k-1' }, body: { requests: [big(40)] } });
  assert.is(res.status, 200);
  await assertPoolFree(engine);
});

test('direct: released when the caller aborts its signal mid-batch', async () => {
  const { engine, holds } = inFlightEngine(WHOLE);
  const controller = new AbortController();
  const running = direct(engine, { requests: [big(40), held('x'), big(1)] }, controller.signal);
  await holds.started('x');
  assert.is(engine.resultBytesInFlight, 40 * KIB + 11);
  controller.abort();
  await running;
  await assertPoolFree(engine);
});

test('http: released when the client destroys its socket in the middle of a streamed (NDJSON) answer', async () => {
  const { engine, holds } = inFlightEngine(WHOLE);
  const server = await listen(createHttpHandler(engine));
  try {
    const { port } = new URL(server.url);
    const body = JSON.stringify({ requests: [big(40), held('x'), big(1)] });
    const req = httpRequest({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/api/batch',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    });
    req.on('error', () => undefined);
    const firstLine = new Promise<string>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += String(chunk);
          if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
        });
        res.on('error', () => undefined);
      });
      req.on('error', reject);
    });
    req.end(body);
    await holds.started('x');
    assert.is((JSON.parse(await firstLine) as Item).status, 200);
    assert.is(engine.resultBytesInFlight, 40 * KIB + 11);
    req.destroy();
    await assertPoolFree(engine);
  } finally {
    await server.close();
  }
});

test('http: an answer waiting in the socket for a client that does not read stays charged until the client goes away', async () => {
  const MIB = 1024 * KIB;
  const { engine } = inFlightEngine({ maxResultBytes: 40 * MIB, maxResultBytesInFlight: 40 * MIB });
  const server = await listen(createHttpHandler(engine));
  const { port } = new URL(server.url);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  socket.on('error', () => undefined);
  try {
    const body = JSON.stringify({ requests: [big(30 * 1024)] });
    socket.write(
      `POST /api/batch HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // Nothing is read: 30 MiB cannot all leave the server's buffer.
    socket.pause();
    await until(() => engine.resultBytesInFlight > 0, 'the batch holds its result');
    await until(() => engine.running === 0, 'the batch ran and its answer went to the transport');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.is(engine.resultBytesInFlight, 30 * MIB + 11);
    // Another batch meanwhile: 30 MiB more do not fit in 40.
    const { items } = await direct(engine, { requests: [big(30 * 1024), big(1)] });
    assert.equal(
      items.map((item) => item.error?.code ?? item.status),
      ['RESULTS_BUSY', 200],
    );
    socket.destroy();
    await until(() => engine.resultBytesInFlight === 0, 'the pool is back to zero');
  } finally {
    socket.destroy();
    await server.close();
  }
});

test('http: a large answer, written as bytes, keeps its text and its Content-Length in bytes (non-ASCII included)', async () => {
  const { engine } = inFlightEngine(WHOLE);
  const server = await listen(createHttpHandler(engine));
  try {
    const res = await fetch(`${server.url}/api/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [{ method: 'GET', url: 'Heavy/big/80?char=%C3%A9' }] }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.is(res.headers.get('content-length'), String(bytes.length));
    const text = ((JSON.parse(bytes.toString('utf8')) as { results: Item[] }).results[0]!.body as { text: string }).text;
    assert.is(text, 'é'.repeat(80 * KIB));
  } finally {
    await server.close();
  }
});

test('ws: released when the client closes its connection mid-batch', async () => {
  const { engine, holds } = inFlightEngine(WHOLE);
  const ws = await startWs(engine, { path: '/api/ws' });
  try {
    const client = await TestClient.open(ws.url);
    client.send({ id: 1, endpoint: '/api/batch', body: { requests: [big(40), held('x'), big(1)] } });
    await holds.started('x');
    assert.is(engine.resultBytesInFlight, 40 * KIB + 11);
    client.socket.terminate();
    await client.closed;
    await assertPoolFree(engine);
  } finally {
    await ws.close();
  }
});

test('released by batches that finish after engine.close() was called; close resolves with nothing held', async () => {
  const { engine, holds } = inFlightEngine(WHOLE);
  const running = direct(engine, { requests: [big(40), held('x'), big(1)] });
  await holds.started('x');
  assert.is(engine.resultBytesInFlight, 40 * KIB + 11);
  const closing = engine.close();
  holds.release('x');
  const { items } = await running;
  assert.equal(
    items.map((item) => item.status),
    [200, 201, 200],
  );
  await closing;
  assert.is(engine.resultBytesInFlight, 0);
});

/** A reader that collects when asked. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

test('with metrics on, restbatch.results.in_flight reports the level and budget refusals count RESULTS_BUSY', async () => {
  const reader = new TestReader();
  const { engine, holds } = inFlightEngine(WHOLE, { telemetry: { meterProvider: new MeterProvider({ readers: [reader] }) } });
  const collect = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const metric = (resourceMetrics as ResourceMetrics).scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<number>[];
  };
  const running = direct(engine, { requests: [big(90), held('x')] });
  await holds.started('x');
  assert.equal(
    (await collect('restbatch.results.in_flight')).map((p) => p.value),
    [90 * KIB + 11],
  );
  const { items } = await direct(engine, { requests: [big(20)] });
  assert.is(items[0]!.error?.code, 'RESULTS_BUSY');
  assert.equal(
    (await collect('restbatch.budget.refusals')).map((p) => [p.attributes['error.type'], p.value]),
    [['RESULTS_BUSY', 1]],
  );
  holds.release('x');
  await running;
  assert.equal(
    (await collect('restbatch.results.in_flight')).map((p) => p.value),
    [0],
  );
});

test.run();
