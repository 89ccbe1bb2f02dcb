import 'reflect-metadata';
import { createHttpHandler } from '@restbatch/http';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { slowEngine } from './support/slow-engine.js';

const SLOW_BATCH = JSON.stringify([
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Slow/a', Method: 'POST' },
  { Url: 'Slow/b', Method: 'POST' },
  { Url: 'Slow/c', Method: 'POST' },
]);

test('a client that disconnects mid-batch aborts the running handler and the sub-requests not yet started', async () => {
  const { engine, gate } = slowEngine();
  const s = await listen(createHttpHandler(engine));
  try {
    const client = new AbortController();
    const pending = request(`${s.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: SLOW_BATCH,
      signal: client.signal,
    });
    await gate.whenStarted('a');
    client.abort();
    await pending.then(
      () => assert.unreachable('the request was aborted'),
      () => undefined,
    );
    // close() resolves once the batch has run to its end, so nothing can start after this line.
    await engine.close();
    assert.equal(gate.started, ['a']);
    assert.equal(gate.aborted, ['a']);
  } finally {
    gate.release();
    await s.close();
  }
});

test('a client that stays connected gets every sub-response of the same batch', async () => {
  const { engine, gate } = slowEngine();
  const s = await listen(createHttpHandler(engine));
  try {
    gate.release();
    const res = await request(`${s.url}/rest/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: SLOW_BATCH });
    const body = (await res.body.json()) as Array<{ ReturnCode: string }>;
    assert.equal(
      body.map((i) => i.ReturnCode),
      ['201', '201', '201', '201'],
    );
    assert.equal(gate.started, ['a', 'b', 'c']);
    assert.equal(gate.aborted, []);
  } finally {
    await s.close();
  }
});

test.run();
