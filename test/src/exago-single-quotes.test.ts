import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { errorBody, items } from './support/exago-items.js';

// The seed's curl example sends single-quoted JSON; Exago reads it. A single-quoted string is a
// JSON string: `\'` is a quote, a `"` inside is an ordinary character, other escapes mean what
// they mean in JSON. Double-quoted strings (and the `'` inside them) are read as JSON reads them.

async function page(raw: string): Promise<unknown> {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', raw, headers: { 'content-type': 'application/json' } });
  assert.is(res.status, 200, JSON.stringify(res.body));
  return items(res)[0]!.ResponseContent.Page;
}

test('escapes in a single-quoted string: \\\' is a quote, " is a character, JSON escapes keep their meaning', async () => {
  const raw = String.raw`[{'Url':'Sessions','Method':'POST','Payload':{'Page':'It\'s "q" \\ \u0041\/\n'}}]`;
  assert.is(await page(raw), 'It\'s "q" \\ A/\n');
});

test('single and double quotes mixed: each string is read by its own quotes', async () => {
  const raw = `[{"Url":'Sessions','Method':"POST","Payload":{'Page':"d'q \\"x\\" '"}}]`;
  assert.is(await page(raw), `d'q "x" '`);
  assert.is(await page(`[{'Url':'Sessions','Method':'POST','Payload':{"Page":'s"q'}}]`), 's"q');
});

test('a backslash that ends a single-quoted string leaves it unterminated', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', raw: "[{'Url':'Sessions','Method':'POST','Payload':{'Page':'x\\" });
  assert.is(res.status, 400);
  assert.is(errorBody(res).code, 'JSON_MALFORMED');
});

/** What a worker whose heap is capped at `heapMb` answers for `body` (its status), or why it stopped. */
function inCappedHeap(body: string, heapMb: number): Promise<unknown> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./support/single-quotes-worker.js', import.meta.url), {
      workerData: { body },
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 4 },
    });
    worker.on('message', resolve);
    worker.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
  });
}

test('reading a 1 MB single-quoted body takes memory in proportion to it: it runs in a heap capped at 24 MB', async () => {
  // Before, the rewrite built the text one character at a time: a string per character, about
  // 48 MB of heap for the first body (32 MB for the second, and 0.2-0.44 s of the event loop),
  // where the parsed batch needs a few MB. A worker's heap is capped; past the cap it stops with
  // ERR_WORKER_OUT_OF_MEMORY. The first body is long runs between few quotes, the second 200,000
  // tiny strings: the rewrite copies runs in the first, code units in the second.
  const runs = `[{'Url':'Sessions','Method':'POST'}${' '.repeat(1_000_000)}]`;
  assert.equal(await inCappedHeap(runs, 24), { status: 200 });
  const strings = `[{'Url':'Sessions','Method':'POST','Payload':{'Values':[${Array.from({ length: 200_000 }, () => "'a'").join(',')}]}}]`;
  assert.equal(await inCappedHeap(strings, 24), { status: 200 });
});

test.run();
