// A whole (not streamed) answer of the fetch handler over 1 Mi characters: made in turns and handed
// to the runtime as a stream of its JSON, as the node handler writes it in chunks; a reader that
// stops taking it for writeTimeoutMs errors the stream, as the node handler destroys its socket.
import 'reflect-metadata';
import { createDirectCaller } from '@restbatch/direct';
import { createFetchHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { BIG_VALUE } from './support/session-growth.js';
import { within } from './support/within.js';

/** A session, one 64 KiB parameter, then `count` reads of it: about 64 KiB of answer per read. */
function reads(count: number): unknown[] {
  return [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Big', Value: BIG_VALUE } },
    ...Array.from({ length: count }, () => ({ Url: 'Parameters/Big', Method: 'GET' })),
  ];
}

function post(body: unknown): Request {
  return new Request('http://restbatch.test/rest/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const stable = (text: string) => text.replace(/[0-9a-f]{32}/g, 'SID');

test('fetch: an answer over 1 Mi characters goes as a stream of the same JSON the direct transport answers', async () => {
  const { engine } = exagoEngine();
  const res = await createFetchHandler(engine)(post(reads(40)));
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  const text = await res.text();
  assert.ok(text.length > 1024 * 1024);
  const direct = await createDirectCaller(engine)({ url: '/rest/batch', body: reads(40) });
  assert.is(stable(text), stable(JSON.stringify(direct.body)));
});

test('fetch: a reader that stops taking a large whole answer for writeTimeoutMs has its stream errored', async () => {
  const { engine } = exagoEngine();
  const res = await createFetchHandler(engine, { writeTimeoutMs: 50 })(post(reads(40)));
  assert.is(res.status, 200);
  const reader = res.body!.getReader();
  assert.ok(((await reader.read()).value?.byteLength ?? 0) > 0, 'the first chunk');
  // No more reads: the stream errors by itself (a whole Response body would wait for ever).
  const error = await within(
    reader.closed.then(
      () => undefined,
      (e: unknown) => e,
    ),
    'the stream errored',
  );
  assert.instance(error, Error);
  assert.is((error as { code?: string }).code, 'ABORTED');
  assert.match((error as Error).message, /did not read the streamed answer for 50 ms/);
});

test('fetch: with writeTimeoutMs 0 a large answer waits for its reader', async () => {
  const { engine } = exagoEngine();
  const res = await createFetchHandler(engine, { writeTimeoutMs: 0 })(post(reads(40)));
  const reader = res.body!.getReader();
  let size = (await reader.read()).value?.byteLength ?? 0;
  // Longer than the 50 ms above, with no timer to end it: the rest still comes whole.
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let next = await reader.read(); !next.done; next = await reader.read()) size += next.value.byteLength;
  assert.ok(size > 1024 * 1024);
});

test.run();
