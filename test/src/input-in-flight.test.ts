// Request bodies of all requests at once are bounded (limits.maxInputBytesInFlight). An outside
// review sent 64 concurrent batches of 1 MiB whose payload was 347,000 empty objects (22 MiB of heap
// each once parsed): batches take the event loop in turns, so all 64 parsed bodies were alive at
// once (1.4 GB). Each request is now charged, from when the engine gets its body to its end, an
// upper bound of what the body holds, counted on its text before it is parsed; one that does not
// fit in what the others leave is refused with 503 INPUT_BUSY before its text is parsed.
import 'reflect-metadata';
import { type DataPoint, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { request as httpRequest } from 'node:http';
import { createEngine, RestBatchError } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inFlightEngine } from './support/in-flight-engine.js';
import { INPUT_TRANSPORTS, withSender } from './support/input-senders.js';
import { listen } from './support/listen.js';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';

const KIB = 1024;
/** Room for one heavy body (about 600 to 850 KiB, depending on the transport), not two. */
const LIMITS = { maxInputBytesInFlight: 1024 * KIB };
/** Empty objects in a heavy body: the shape that parses to the most memory per byte of text. */
const OBJECTS = 8000;

/**
 * `promise`, with a rejection counted as handled now: a test that fails before it awaits the first
 * request reports its assertion, not the request's end as an unhandled rejection.
 */
function settled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const objects = (n = OBJECTS) => Array.from({ length: n }, () => ({}));
/** A batch whose one sub-request, held until the test releases `name`, carries the heavy payload. */
const heavyBatch = (name: string) => ({ requests: [{ method: 'POST', url: `Heavy/hold/${name}`, body: objects() }] });

for (const transport of INPUT_TRANSPORTS) {
  test(`${transport}: a batch whose body does not fit in what a running batch leaves of maxInputBytesInFlight is refused whole with 503 INPUT_BUSY and Retry-After; once that batch ends, another runs`, async () => {
    const { engine, holds } = inFlightEngine(LIMITS);
    await withSender(transport, engine, async (send) => {
      const first = settled(send('/api/batch', heavyBatch('a')));
      try {
        await holds.started('a');
        const held = engine.inputBytesInFlight;
        assert.ok(held > 512 * KIB, `the first batch holds its body's charge (${held} bytes)`);
        // Let go at once if it ran: a refusal must not depend on this test's timing.
        holds.release('b');
        const second = await send('/api/batch', heavyBatch('b'));
        assert.equal(second, { status: 503, retryAfter: '1', code: 'INPUT_BUSY' });
        assert.is(engine.inputBytesInFlight, held, 'the refused batch gave back what it took');
      } finally {
        holds.release('a');
      }
      assert.is((await first).status, 200);
      await until(() => engine.inputBytesInFlight === 0, 'the first batch gave its charge back');
      holds.release('c');
      assert.is((await send('/api/batch', heavyBatch('c'))).status, 200);
      await until(() => engine.inputBytesInFlight === 0, 'the last batch gave its charge back');
    });
  });
}

for (const transport of ['node:http', 'ws', 'direct'] as const) {
  test(`${transport}: an ordinary call's body is charged too: a second large one while the first runs gets 503 INPUT_BUSY`, async () => {
    const { engine, holds } = inFlightEngine(LIMITS);
    await withSender(transport, engine, async (send) => {
      const first = settled(send('/api/Heavy/hold/a', objects()));
      try {
        await holds.started('a');
        assert.ok(engine.inputBytesInFlight > 512 * KIB);
        holds.release('b');
        assert.equal(await send('/api/Heavy/hold/b', objects()), { status: 503, retryAfter: '1', code: 'INPUT_BUSY' });
        // A request without a body holds nothing and is never refused, even with the pool taken.
        assert.is((await send('/api/Heavy/big/1', undefined, 'GET')).status, 200);
      } finally {
        holds.release('a');
      }
      assert.is((await first).status, 201);
      await until(() => engine.inputBytesInFlight === 0, 'the call gave its charge back');
    });
  });
}

test('node:http: a body of empty objects is charged at least the 20-odd times its text that V8 makes of it, before it is parsed', async () => {
  const { engine, holds } = inFlightEngine({});
  const server = await listen(createHttpHandler(engine));
  try {
    const text = JSON.stringify({ requests: [{ method: 'POST', url: 'Heavy/hold/a', body: objects(100_000) }] });
    const res = settled(fetch(`${server.url}/api/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text }));
    try {
      await holds.started('a');
      // Measured (json-shape.ts): 64 bytes of heap per `{}` of 3 bytes of text, 21 times.
      assert.ok(engine.inputBytesInFlight >= 22 * text.length, `${engine.inputBytesInFlight} bytes charged for ${text.length} of text`);
    } finally {
      holds.release('a');
    }
    assert.is((await res).status, 200);
  } finally {
    await server.close();
  }
});

test('a request alone gets its charge whatever its size: a body over the whole budget runs when nothing else holds any', async () => {
  const { engine, holds } = inFlightEngine({ maxInputBytesInFlight: 1000 });
  await withSender('direct', engine, async (send) => {
    const first = settled(send('/api/batch', heavyBatch('a')));
    try {
      await holds.started('a');
      assert.ok(engine.inputBytesInFlight > 1000);
      // Nothing more fits while it runs, not even a small body.
      assert.is((await send('/api/batch', { requests: [{ method: 'GET', url: 'Heavy/big/1' }] })).code, 'INPUT_BUSY');
    } finally {
      holds.release('a');
    }
    assert.is((await first).status, 200);
    assert.is(engine.inputBytesInFlight, 0);
    assert.is((await send('/api/batch', { requests: [{ method: 'GET', url: 'Heavy/big/1' }] })).status, 200);
  });
});

/** A text body of `objects` empty objects sent raw (text: the engine parses it). */
const rawHeavy = (tail: string) => `{"requests":[{"method":"POST","url":"Heavy/fail","body":[${'{},'.repeat(OBJECTS)}{}]}]${tail}`;

test('given back when the body, charged before it is parsed, turns out malformed (JSON_MALFORMED) or not a batch (BATCH_MALFORMED)', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const call = createDirectCaller(engine);
  const headers = { 'content-type': 'application/json' };
  const malformed = await call({ url: '/api/batch', headers, raw: rawHeavy(',') });
  assert.is((malformed.body as { error: { code: string } }).error.code, 'JSON_MALFORMED');
  assert.is(engine.inputBytesInFlight, 0);
  const notBatch = await call({ url: '/api/batch', headers, raw: rawHeavy(',"requests":5}') });
  assert.is((notBatch.body as { error: { code: string } }).error.code, 'BATCH_MALFORMED');
  assert.is(engine.inputBytesInFlight, 0);
  // A sub-request that fails, under the stop policy.
  const failed = await call({ url: '/api/batch', headers, raw: rawHeavy('}') });
  assert.is((failed.body as { results: Array<{ status: number }> }).results[0]!.status, 400);
  assert.is(engine.inputBytesInFlight, 0);
});

test('given back when authentication refuses the request (a copied body is charged before it)', async () => {
  const { engine } = inFlightEngine(LIMITS, {
    authenticate: () => {
      throw new RestBatchError('UNAUTHORIZED', 'no');
    },
  });
  const res = await createDirectCaller(engine)({ url: '/api/batch', body: heavyBatch('a') });
  assert.is(res.status, 401);
  assert.is(engine.inputBytesInFlight, 0);
});

test('given back when the batch passes its deadline, or its caller aborts it', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const call = createDirectCaller(engine);
  const waiting = { method: 'GET', url: 'Heavy/wait' };
  const late = await call({
    url: '/api/batch',
    body: { timeoutMs: 20, requests: [{ method: 'POST', url: 'Heavy/hold/x', body: objects() }, waiting] },
  });
  assert.is((late.body as { results: Array<{ status: number }> }).results[1]!.status, 504);
  assert.is(engine.inputBytesInFlight, 0);
  const controller = new AbortController();
  const aborted = call({
    url: '/api/batch',
    signal: controller.signal,
    body: { requests: [{ method: 'POST', url: 'Heavy/hold/y', body: objects() }] },
  });
  await until(() => engine.inputBytesInFlight > 0, 'the batch holds its body');
  controller.abort();
  await aborted;
  assert.is(engine.inputBytesInFlight, 0);
});

test('node:http: given back when the client goes away in the middle of the batch', async () => {
  const { engine, holds } = inFlightEngine(LIMITS);
  const server = await listen(createHttpHandler(engine));
  try {
    const { port } = new URL(server.url);
    const req = httpRequest({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/api/batch',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(heavyBatch('a')));
    await holds.started('a');
    assert.ok(engine.inputBytesInFlight > 512 * KIB);
    req.destroy();
    await until(() => engine.inputBytesInFlight === 0, 'the aborted batch gave its charge back');
  } finally {
    await server.close();
  }
});

test('ws: given back when the connection closes in the middle of the batch', async () => {
  const { engine, holds } = inFlightEngine(LIMITS);
  const ws = await startWs(engine, { path: '/api/ws' });
  try {
    const client = await TestClient.open(ws.url);
    client.send({ id: 1, endpoint: '/api/batch', body: heavyBatch('a') });
    await holds.started('a');
    assert.ok(engine.inputBytesInFlight > 512 * KIB);
    client.socket.terminate();
    await client.closed;
    await until(() => engine.inputBytesInFlight === 0, 'the batch of the closed connection gave its charge back');
  } finally {
    await ws.close();
  }
});

test('given back by a batch that finishes after engine.close(); requests refused while it closes hold nothing', async () => {
  const { engine, holds } = inFlightEngine(LIMITS);
  const call = createDirectCaller(engine);
  const running = call({ url: '/api/batch', body: heavyBatch('a') });
  await holds.started('a');
  const closing = engine.close();
  const refused = await call({ url: '/api/batch', body: heavyBatch('b') });
  assert.is((refused.body as { error: { code: string } }).error.code, 'SHUTTING_DOWN');
  holds.release('a');
  assert.is((await running).status, 200);
  await closing;
  assert.is(engine.inputBytesInFlight, 0);
});

test('a batch refused with INPUT_BUSY under an Idempotency-Key leaves the key free: its retry runs', async () => {
  const { engine, holds } = inFlightEngine(LIMITS);
  const call = createDirectCaller(engine);
  const running = call({ url: '/api/batch', body: heavyBatch('a') });
  await holds.started('a');
  holds.release('b');
  const keyed = { url: '/api/batch', headers: { 'idempotency-key': 'k-1' }, raw: JSON.stringify(heavyBatch('b')) };
  const busy = await call(keyed);
  assert.is((busy.body as { error: { code: string } }).error.code, 'INPUT_BUSY');
  holds.release('a');
  await running;
  const retried = await call(keyed);
  assert.is(retried.status, 200);
  assert.is(retried.headers['idempotent-replayed'], undefined);
  assert.is(engine.inputBytesInFlight, 0);
});

test('limits.maxInputBytesInFlight that is not a whole number of at least 0 is refused when the engine is created; the default is 256 MiB', () => {
  const make = (limits: Record<string, number>) => () =>
    createEngine({ apis: [{ base: '/api', resources: [] }], limits, logger: { error: () => undefined } });
  for (const bad of [Number.NaN, -1, 0.5, Number.POSITIVE_INFINITY])
    assert.throws(make({ maxInputBytesInFlight: bad }), /limits\.maxInputBytesInFlight must be a whole number of bytes of at least 0/);
  assert.is(make({})().limits.maxInputBytesInFlight, 256 * 1024 * 1024);
  assert.is(make({})().inputBytesInFlight, 0);
});

/** A reader that collects when asked. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

test('with metrics on, restbatch.input.in_flight reports the level', async () => {
  const reader = new TestReader();
  const { engine, holds } = inFlightEngine(LIMITS, { telemetry: { meterProvider: new MeterProvider({ readers: [reader] }) } });
  const level = async () => {
    const { resourceMetrics } = await reader.collect();
    const metric = (resourceMetrics as ResourceMetrics).scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'restbatch.input.in_flight');
    return ((metric?.dataPoints ?? []) as DataPoint<number>[]).map((p) => p.value);
  };
  const running = createDirectCaller(engine)({ url: '/api/batch', body: heavyBatch('a') });
  await holds.started('a');
  assert.equal(await level(), [engine.inputBytesInFlight]);
  holds.release('a');
  await running;
  assert.equal(await level(), [0]);
});

test.run();
