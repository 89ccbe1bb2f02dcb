// The end of an answer is bounded by writeTimeoutMs as its middle is. A stream whose writes all
// went under the socket's high-water mark never waited for 'drain', so no timer of the middle ever
// ran: a client that stops reading just before the end would hold the connection, the buffered tail
// and the batch's results in flight for ever. node:http and Fastify destroy the connection when the
// tail is not handed to the socket in time; fetch errors a body whose queue is not taken in time.
import 'reflect-metadata';
import { once } from 'node:events';
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { createFetchHandler, createHttpHandler, type ResponseEvent } from '@restbatch/http';
import { restbatch } from '@restbatch/fastify';
import Fastify from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigBatch, bigResultsEngine } from './support/big-results-engine.js';
import { big, inFlightEngine } from './support/in-flight-engine.js';
import { listen } from './support/listen.js';
import { until } from './support/until.js';
import { within } from './support/within.js';

const KIB = 1024;
/** 400 results of 64 KiB: about 26 MB of lines, far more than the kernel's socket buffers hold. */
const COUNT = 400;
const HEADERS = { 'content-type': 'application/json', accept: 'application/x-ndjson' };

/**
 * Makes every write of `res` report that it went under the socket's high-water mark (`true`), as
 * the writes of a stream do when each is small and the client stopped reading only near its end:
 * no write waits for 'drain', whatever the client reads.
 */
function acceptEveryWrite(res: ServerResponse): void {
  const write = res.write as (...args: unknown[]) => boolean;
  res.write = ((...args: unknown[]) => {
    write.apply(res, args);
    return true;
  }) as ServerResponse['write'];
}

/** Sends the batch over node:http as NDJSON and returns the answer without reading its body. */
async function sendUnread(url: string): Promise<IncomingMessage> {
  const req = request(`${url}/rest/batch`, { method: 'POST', headers: HEADERS });
  req.end(bigBatch(COUNT));
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.on('error', () => undefined);
  return res;
}

/** The client reads what the kernel still holds and finds the answer cut off and the connection closed. */
async function assertCutOff(res: IncomingMessage): Promise<void> {
  const closed = once(res.socket, 'close');
  res.resume();
  await within(closed, 'the connection closed');
  assert.is(res.complete, false, 'the answer was cut off, not finished');
}

test('node:http: a streamed batch whose writes all went under the high-water mark is cut when its tail is not taken within writeTimeoutMs', async () => {
  const { engine, counter } = bigResultsEngine();
  const events: ResponseEvent[] = [];
  const handler = createHttpHandler(engine, { writeTimeoutMs: 200, onResponse: (e) => events.push(e) });
  const s = await listen((req, res) => {
    acceptEveryWrite(res);
    handler(req, res);
  });
  try {
    const res = await sendUnread(s.url);
    assert.is(res.statusCode, 200);
    await until(() => events.length === 1, 'the batch ended');
    assert.is(counter.calls, COUNT, 'no write waited: the whole batch ran');
    // The results count until the answer is written or dropped: only the end's timer drops it.
    await until(() => engine.resultBytesInFlight === 0, 'the unread tail was dropped: its results no longer count');
    await assertCutOff(res);
  } finally {
    await s.close();
    await engine.close();
  }
});

test('Fastify: a streamed batch whose writes all went under the high-water mark is cut when its tail is not taken within writeTimeoutMs', async () => {
  const { engine, counter } = bigResultsEngine();
  const app = Fastify();
  app.addHook('onRequest', (_request, reply, done) => {
    acceptEveryWrite(reply.raw);
    done();
  });
  await app.register(restbatch, { engine, writeTimeoutMs: 200 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let res: IncomingMessage | undefined;
  try {
    res = await sendUnread(url);
    assert.is(res.statusCode, 200);
    await until(() => counter.calls === COUNT && engine.running === 0, 'the whole batch ran');
    await until(() => engine.resultBytesInFlight === 0, 'the unread tail was dropped: its results no longer count');
    await assertCutOff(res);
  } finally {
    // Without the timer the connection would stay, and keep app.close() waiting.
    res?.destroy();
    await app.close();
    await engine.close();
  }
});

function fetchRequest(body: unknown, accept = 'application/x-ndjson'): Request {
  return new Request('http://restbatch.test/api/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify(body),
  });
}

test('fetch: a streamed batch that fits the queue and is not read errors its body after writeTimeoutMs', async () => {
  const { engine } = inFlightEngine({});
  const res = await createFetchHandler(engine, { writeTimeoutMs: 50 })(fetchRequest({ requests: [big(8)] }));
  assert.is(res.status, 200);
  await until(() => engine.running === 0, 'the batch ended');
  const reader = res.body!.getReader();
  const error = await within(
    reader.closed.then(
      () => undefined,
      (e: unknown) => e,
    ),
    'the body errored',
  );
  assert.is((error as { code?: string }).code, 'ABORTED');
  assert.match((error as Error).message, /did not read the streamed answer for 50 ms/);
  assert.is(engine.resultBytesInFlight, 0);
});

test('fetch: a large whole answer whose last chunk is made but not read errors its body after writeTimeoutMs', async () => {
  const { engine } = inFlightEngine({});
  const res = await createFetchHandler(engine, { writeTimeoutMs: 50 })(fetchRequest({ requests: [big(1100)] }, 'application/json'));
  assert.is(res.status, 200);
  const reader = res.body!.getReader();
  // The first chunk holds nearly all of the answer; the rest (`]}`) is made at once and left unread.
  assert.ok(((await reader.read()).value?.byteLength ?? 0) > 1024 * KIB);
  const error = await within(
    reader.closed.then(
      () => undefined,
      (e: unknown) => e,
    ),
    'the body errored',
  );
  assert.is((error as { code?: string }).code, 'ABORTED');
  assert.is(engine.resultBytesInFlight, 0);
});

test('fetch: a body read to its end closes, and no timer errors it afterwards', async () => {
  const { engine } = inFlightEngine({});
  const handler = createFetchHandler(engine, { writeTimeoutMs: 50 });
  const lines = await (await handler(fetchRequest({ requests: [big(8)] }))).text();
  assert.equal(JSON.parse(lines.trimEnd().split('\n').at(-1)!), { summary: { succeeded: 1, failed: 0, skipped: 0 } });
  const whole = await (await handler(fetchRequest({ requests: [big(1100)] }, 'application/json'))).text();
  assert.ok(whole.length > 1100 * KIB);
  assert.is(engine.resultBytesInFlight, 0);
});

test.run();
