// The write timeout measures the reader's progress, not one 'drain': an operating system reports a
// slow reader's progress in bursts (on Linux, once about a third of a full send buffer has
// drained), so a client that reads steadily but slowly showed none for longer than the timeout and
// was cut off. Here a client reads in bursts, with pauses longer than writeTimeoutMs between
// them: it gets its whole answer. One that reads once and stops is still cut off.
import 'reflect-metadata';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import type { Socket } from 'node:net';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BIG_BYTES, bigBatch, bigResultsEngine } from './support/big-results-engine.js';
import { pullInBursts, readInBursts } from './support/burst-reader.js';
import { listen } from './support/listen.js';
import { expectCutAfterOneBurst } from './support/slow-reader-batches.js';
import { within } from './support/within.js';

const COUNT = 160;
const WRITE_TIMEOUT_MS = 300;
/** Posts the batch over node:http (`accept` picks NDJSON or JSON) and returns the answer, its body not read yet. */
async function send(url: string, accept: string): Promise<IncomingMessage> {
  const req = request(`${url}/rest/batch`, { method: 'POST', headers: { 'content-type': 'application/json', accept } });
  req.end(bigBatch(COUNT));
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  return res;
}

/**
 * Serves a fresh engine of big results over node:http (with the write timeout), posts the batch
 * (`accept` as in {@link send}) and reads the answer in bursts, checking it comes whole: its text,
 * and the calls the batch made.
 */
async function readOverHttp(accept: string): Promise<{ text: string; calls: number }> {
  const { engine, counter } = bigResultsEngine();
  const s = await listen(createHttpHandler(engine, { writeTimeoutMs: WRITE_TIMEOUT_MS }));
  try {
    const res = await send(s.url, accept);
    assert.is(res.statusCode, 200);
    const { text, complete } = await within(readInBursts(res), 'the answer read in bursts', 60_000);
    assert.ok(complete, `the answer ended whole (${text.length} characters read)`);
    return { text, calls: counter.calls };
  } finally {
    await s.close();
  }
}

test('node:http: a client that reads a streamed batch in bursts, pausing longer than writeTimeoutMs between them, gets every line', async () => {
  const { text, calls } = await readOverHttp('application/x-ndjson');
  const lines = text.trimEnd().split('\n');
  assert.is(lines.length, COUNT + 2);
  assert.equal(JSON.parse(lines.at(-1) as string), { summary: { succeeded: COUNT + 1, failed: 0, skipped: 0 } });
  assert.is(calls, COUNT);
});

test('node:http: a client that reads a large whole answer in bursts gets all of it', async () => {
  const { text } = await readOverHttp('application/json');
  assert.ok(text.length > COUNT * BIG_BYTES);
  JSON.parse(text);
});

test('node:http: a client that reads one burst and stops is still cut off', async () => {
  const { engine } = bigResultsEngine();
  const s = await listen(createHttpHandler(engine, { writeTimeoutMs: WRITE_TIMEOUT_MS }));
  const served: Socket[] = [];
  s.server.on('connection', (socket) => served.push(socket));
  try {
    // One burst, then no more: what it read carries it a while, then the server cuts it off.
    await expectCutAfterOneBurst(await send(s.url, 'application/x-ndjson'), served);
  } finally {
    await s.close();
  }
});

/** Posts the batch (with `headers`) to a fresh engine of big results through the fetch handler and pulls the answer in bursts. */
async function pullOverFetch(headers: Record<string, string>): Promise<string> {
  const { engine } = bigResultsEngine();
  const res = await createFetchHandler(engine, { writeTimeoutMs: WRITE_TIMEOUT_MS })(
    new Request('http://restbatch.test/rest/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: bigBatch(COUNT),
    }),
  );
  assert.is(res.status, 200);
  return within(pullInBursts(res.body as ReadableStream<Uint8Array>), 'the answer pulled in bursts', 60_000);
}

test('fetch: a reader that pulls a large whole answer in bursts, pausing longer than writeTimeoutMs, gets all of it', async () => {
  const text = await pullOverFetch({});
  assert.ok(text.length > COUNT * BIG_BYTES);
  JSON.parse(text);
});

test('fetch: a reader that pulls a streamed batch in bursts gets every line', async () => {
  const text = await pullOverFetch({ accept: 'application/x-ndjson' });
  const lines = text.trimEnd().split('\n');
  assert.is(lines.length, COUNT + 2);
  assert.equal(JSON.parse(lines.at(-1) as string), { summary: { succeeded: COUNT + 1, failed: 0, skipped: 0 } });
});

test.run();
