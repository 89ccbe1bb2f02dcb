// The fetch handler tells the engine when an answer is taken (EngineRequest.written), as the node
// handler does: a batch's results count against limits.maxResultBytesInFlight while its answer
// waits in a stream for its reader (a large whole answer, an NDJSON stream), and stop counting once
// the stream is read to its end, cancelled, or errored by the write timeout. Without it, twenty
// slow readers could hold twenty batches' results beyond the pool.
import 'reflect-metadata';
import { createFetchHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Item } from './support/features-engine.js';
import { big, inFlightEngine } from './support/in-flight-engine.js';
import { until } from './support/until.js';

const KIB = 1024;
/** One result of 1100 KiB: its answer is over 1 Mi characters, so it goes as a stream of chunks. */
const LARGE = { requests: [big(1100)] };
const LARGE_CHARS = 1100 * KIB + 11;
/** One result of 8 KiB: its lines and summary fit the NDJSON queue, so the batch ends unread. */
const SMALL = { requests: [big(8)] };
const SMALL_CHARS = 8 * KIB + 11;
/** The pool holds one large answer, not two. */
const LIMITS = { maxResultBytes: 2048 * KIB, maxResultBytesInFlight: 2048 * KIB };

function post(body: unknown, accept = 'application/json'): Request {
  return new Request('http://restbatch.test/api/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify(body),
  });
}

const NDJSON = 'application/x-ndjson';

test('fetch: a large whole answer counts in flight while unread, and stops once read to its end', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const res = await createFetchHandler(engine)(post(LARGE));
  assert.is(engine.running, 0, 'the batch ended');
  assert.is(engine.resultBytesInFlight, LARGE_CHARS, 'its unread answer holds the results');
  const text = await res.text();
  assert.ok(text.length > LARGE_CHARS);
  assert.is(engine.resultBytesInFlight, 0);
});

test('fetch: a large whole answer stops counting when its stream is cancelled', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const res = await createFetchHandler(engine)(post(LARGE));
  assert.is(engine.resultBytesInFlight, LARGE_CHARS);
  await res.body!.cancel();
  await until(() => engine.resultBytesInFlight === 0, 'the cancelled answer no longer counts');
});

test('fetch: a large whole answer stops counting when its reader stalls past writeTimeoutMs', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const res = await createFetchHandler(engine, { writeTimeoutMs: 50 })(post(LARGE));
  assert.is(engine.resultBytesInFlight, LARGE_CHARS);
  await until(() => engine.resultBytesInFlight === 0, 'the stalled answer no longer counts');
  await res.text().then(
    () => assert.unreachable('the stream was read'),
    (error: { code?: string }) => assert.is(error.code, 'ABORTED'),
  );
});

test('fetch: while a large answer is unread its results hold the pool: another batch gets 503 RESULTS_BUSY, and the pool is free once it is read', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const handler = createFetchHandler(engine);
  const first = await handler(post(LARGE));
  const second = await handler(post({ requests: [big(1100), big(1)] }));
  const items = ((await second.json()) as { results: Item[] }).results;
  assert.equal(
    items.map((item) => item.error?.code ?? item.status),
    ['RESULTS_BUSY', 200],
  );
  assert.is(items[0]!.status, 503);
  await first.text();
  await until(() => engine.resultBytesInFlight === 0, 'the pool is back to zero');
  // With the first answer taken, the same batch fits.
  const third = ((await (await handler(post(LARGE))).json()) as { results: Item[] }).results;
  assert.is(third[0]!.status, 200);
  assert.is(engine.resultBytesInFlight, 0);
});

test('fetch: a small whole answer stops counting once its Response is made', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const res = await createFetchHandler(engine)(post(SMALL));
  assert.is(engine.resultBytesInFlight, 0);
  assert.is(((await res.json()) as { results: Item[] }).results[0]!.status, 200);
});

test('fetch: an NDJSON stream counts in flight until it is read to its end', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const res = await createFetchHandler(engine)(post(SMALL, NDJSON));
  await until(() => engine.running === 0, 'the batch ended');
  assert.is(engine.resultBytesInFlight, SMALL_CHARS, 'its unread lines hold the results');
  const lines = (await res.text()).trimEnd().split('\n');
  assert.is(lines.length, 2);
  assert.is(engine.resultBytesInFlight, 0);
});

test('fetch: an NDJSON stream stops counting when it is cancelled', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const res = await createFetchHandler(engine)(post(SMALL, NDJSON));
  await until(() => engine.running === 0, 'the batch ended');
  assert.is(engine.resultBytesInFlight, SMALL_CHARS);
  await res.body!.cancel();
  await until(() => engine.resultBytesInFlight === 0, 'the cancelled stream no longer counts');
});

test('fetch: an NDJSON stream stops counting when its reader stalls past writeTimeoutMs', async () => {
  const { engine } = inFlightEngine(LIMITS);
  const res = await createFetchHandler(engine, { writeTimeoutMs: 50 })(post(SMALL, NDJSON));
  await until(() => engine.running === 0, 'the batch ended');
  assert.is(engine.resultBytesInFlight, SMALL_CHARS);
  await until(() => engine.resultBytesInFlight === 0, 'the stalled stream no longer counts');
  await res.text().then(
    () => assert.unreachable('the stream was read'),
    (error: { code?: string }) => assert.is(error.code, 'ABORTED'),
  );
});

test('fetch: an NDJSON stream stalled mid-batch stops counting once the batch ends', async () => {
  const { engine } = inFlightEngine(LIMITS);
  // 40 KiB lines: the first fills the queue, and the batch waits for a reader that never comes.
  const res = await createFetchHandler(engine, { writeTimeoutMs: 50 })(post({ requests: [big(40), big(40), big(40)] }, NDJSON));
  await until(() => engine.running === 0, 'the stalled batch ended');
  await until(() => engine.resultBytesInFlight === 0, 'its results no longer count');
  await res.body!.cancel().catch(() => undefined);
});

test.run();
