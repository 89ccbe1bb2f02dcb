import 'reflect-metadata';
import { restbatch } from '@restbatch/fastify';
import Fastify from 'fastify';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slowEngine } from './support/slow-engine.js';

const SLOW_BATCH = JSON.stringify([
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Slow/a', Method: 'POST' },
  { Url: 'Slow/b', Method: 'POST' },
]);

for (const accept of ['application/json', 'application/x-ndjson']) {
  test(`a client that disconnects mid-batch (${accept}) aborts the running handler, and Fastify goes on serving`, async () => {
    const { engine, gate } = slowEngine();
    const app = Fastify();
    await app.register(restbatch, { engine });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const client = new AbortController();
      const pending = request(`${url}/rest/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: SLOW_BATCH,
        signal: client.signal,
      });
      await gate.whenStarted('a');
      client.abort();
      await pending.then(
        async (res) => {
          // The NDJSON answer has begun (the session line); reading the rest fails once aborted.
          await res.body.text().then(
            () => assert.unreachable('the stream was aborted'),
            () => undefined,
          );
        },
        () => undefined,
      );
      await engine.close();
      assert.equal(gate.started, ['a']);
      assert.equal(gate.aborted, ['a']);
      const after = await request(`${url}/rest/Sessions`, { method: 'POST' });
      assert.is(after.statusCode, 503, 'a closed engine answers, through the same plugin');
      await after.body.text();
    } finally {
      gate.release();
      await app.close();
    }
  });
}

test.run();
