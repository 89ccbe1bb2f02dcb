import 'reflect-metadata';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { createFetchHandler, createHttpHandler, type ResponseEvent } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigBatch, bigResultsEngine, settled } from './support/big-results-engine.js';
import { listen } from './support/listen.js';
import { until } from './support/until.js';
import { within } from './support/within.js';

const COUNT = 400;
const HEADERS = { 'content-type': 'application/json', accept: 'application/x-ndjson' };
const SUMMARY = { summary: { succeeded: COUNT + 1, failed: 0, skipped: 0 } };

/** Sends the batch over node:http and returns the answer without reading its body. */
async function sendUnread(url: string, body: string): Promise<IncomingMessage> {
  const req = request(`${url}/rest/batch`, { method: 'POST', headers: HEADERS });
  req.end(body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  return res;
}

function lastLine(text: string): unknown {
  const lines = text.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1] as string);
}

test('node:http: a client that does not read pauses the batch, which completes once it reads', async () => {
  const { engine, counter } = bigResultsEngine();
  const s = await listen(createHttpHandler(engine));
  try {
    const res = await sendUnread(s.url, bigBatch(COUNT));
    assert.is(res.statusCode, 200);
    const ranWhileUnread = await settled(() => counter.calls);
    assert.ok(ranWhileUnread < COUNT / 2, `the batch paused (ran ${ranWhileUnread} of ${COUNT} while the client did not read)`);
    assert.is(engine.running, 1, 'the batch is still running, paused');
    res.setEncoding('utf8');
    let text = '';
    await within(
      (async () => {
        for await (const chunk of res) text += chunk;
      })(),
      'the whole answer was read',
    );
    assert.is(counter.calls, COUNT);
    assert.equal(lastLine(text), SUMMARY);
    assert.is(text.trimEnd().split('\n').length, COUNT + 2);
  } finally {
    await s.close();
  }
});

test('node:http: a reader stalled past writeTimeoutMs ends the batch and the connection', async () => {
  const { engine, counter } = bigResultsEngine();
  const events: ResponseEvent[] = [];
  const s = await listen(createHttpHandler(engine, { writeTimeoutMs: 200, onResponse: (e) => events.push(e) }));
  try {
    const res = await sendUnread(s.url, bigBatch(COUNT));
    res.on('error', () => undefined);
    await until(() => events.length === 1, 'the stalled batch ended');
    assert.ok(counter.calls < COUNT / 2, `the rest of the batch did not run (${counter.calls} of ${COUNT} ran)`);
    assert.is(engine.running, 0);
    // Reading what the kernel still holds, the client finds the answer cut off and the connection closed.
    const closed = once(res.socket, 'close');
    res.resume();
    await within(closed, 'the connection closed');
    assert.is(res.complete, false, 'the answer was cut off, not finished');
    // The server is still up for the next client.
    const next = await fetch(`${s.url}/rest/Sessions`, { method: 'POST' });
    assert.is(next.status, 201);
    await next.text();
  } finally {
    await s.close();
  }
});

function fetchRequest(body: string): Request {
  return new Request('http://restbatch.test/rest/batch', { method: 'POST', headers: HEADERS, body });
}

test('fetch: a response stream that is not read pauses the batch, which completes once it is read', async () => {
  const { engine, counter } = bigResultsEngine();
  const res = await createFetchHandler(engine)(fetchRequest(bigBatch(COUNT)));
  assert.is(res.status, 200);
  const ranWhileUnread = await settled(() => counter.calls);
  assert.ok(ranWhileUnread < COUNT / 2, `the batch paused (ran ${ranWhileUnread} of ${COUNT} while the stream was not read)`);
  assert.is(engine.running, 1, 'the batch is still running, paused');
  const text = await within(res.text(), 'the whole stream was read');
  assert.is(counter.calls, COUNT);
  assert.equal(lastLine(text), SUMMARY);
});

test('fetch: a stream not read past writeTimeoutMs ends the batch and errors the stream', async () => {
  const { engine, counter } = bigResultsEngine();
  const events: ResponseEvent[] = [];
  const handler = createFetchHandler(engine, { writeTimeoutMs: 200, onResponse: (e) => events.push(e) });
  const res = await handler(fetchRequest(bigBatch(COUNT)));
  await until(() => events.length === 1, 'the stalled batch ended');
  assert.ok(counter.calls < COUNT / 2, `the rest of the batch did not run (${counter.calls} of ${COUNT} ran)`);
  assert.is(engine.running, 0);
  let failed = false;
  await res.text().catch(() => {
    failed = true;
  });
  assert.ok(failed, 'reading the ended stream fails');
});

test('fetch: cancelling the response stream ends the batch', async () => {
  const { engine, counter } = bigResultsEngine();
  const events: ResponseEvent[] = [];
  const res = await createFetchHandler(engine, { onResponse: (e) => events.push(e) })(fetchRequest(bigBatch(COUNT)));
  await settled(() => counter.calls);
  await res.body!.cancel();
  await until(() => events.length === 1, 'the cancelled batch ended');
  assert.is(engine.running, 0);
  assert.ok(counter.calls < COUNT / 2, `the rest of the batch did not run (${counter.calls} of ${COUNT} ran)`);
});

test('the write timeout must be a non-negative number', () => {
  const { engine } = bigResultsEngine();
  assert.throws(() => createHttpHandler(engine, { writeTimeoutMs: -1 }), /writeTimeoutMs/);
  assert.throws(() => createFetchHandler(engine, { writeTimeoutMs: Number.NaN }), /writeTimeoutMs/);
});

test.run();
