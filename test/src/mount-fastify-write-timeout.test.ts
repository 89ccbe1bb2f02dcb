// The Fastify plugin's writeTimeoutMs, as @restbatch/http's: a client that stays connected but
// stops reading a streamed batch or a large whole answer is cut after writeTimeoutMs (its batch
// ends and stops holding its results), while a batch that is merely still running, before its
// first byte or between two lines, is never cut by it (unlike an idle timer such as Fastify's
// connectionTimeout).
import 'reflect-metadata';
import { once } from 'node:events';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from '@restbatch/core';
import { restbatch } from '@restbatch/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigBatch, bigResultsEngine } from './support/big-results-engine.js';
import { readInBursts } from './support/burst-reader.js';
import { exagoEngine } from './support/exago-engine.js';
import { BIG_VALUE } from './support/session-growth.js';
import { slowEngine } from './support/slow-engine.js';
import { until } from './support/until.js';

const COUNT = 400;

async function started(engine: Engine, writeTimeoutMs: number): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  await app.register(restbatch, { engine, writeTimeoutMs });
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

test('a client that stops reading a streamed batch is cut after writeTimeoutMs: the batch ends, the answer is cut off', async () => {
  const { engine, counter } = bigResultsEngine();
  const { app, url } = await started(engine, 200);
  let req: ClientRequest | undefined;
  try {
    req = request(`${url}/rest/batch`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' } });
    req.end(bigBatch(COUNT));
    // The answer's head, then nothing read.
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.on('error', () => undefined);
    assert.is(res.statusCode, 200);
    assert.is(res.headers['content-type'], 'application/x-ndjson; charset=utf-8');
    await until(() => engine.running === 0, 'the stalled batch ended');
    assert.ok(counter.calls < COUNT / 2, `the rest of the batch did not run (${counter.calls} of ${COUNT} ran)`);
    await until(() => engine.resultBytesInFlight === 0, 'its results no longer count');
    // Reading what the kernel still holds, the client finds the answer cut off and the connection closed.
    const closed = once(res.socket, 'close');
    res.resume();
    await closed;
    assert.is(res.complete, false, 'the answer was cut off, not finished');
    const next = await fetch(`${url}/rest/Sessions`, { method: 'POST' });
    assert.is(next.status, 201, 'Fastify goes on serving');
    await next.text();
  } finally {
    // Without the write timeout the connection would stay, and keep app.close() waiting.
    req?.destroy();
    await app.close();
    await engine.close();
  }
});

test('a client that stops reading a large whole answer is cut after writeTimeoutMs: its results stop counting in flight', async () => {
  const { engine } = exagoEngine();
  const { app } = await started(engine, 300);
  const { port } = app.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  try {
    // A session, one 64 KiB parameter and 200 reads of it: about 13 MB of answer, sent in chunks.
    const body = JSON.stringify([
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Big', Value: BIG_VALUE } },
      ...Array.from({ length: 200 }, () => ({ Url: 'Parameters/Big', Method: 'GET' })),
    ]);
    socket.on('error', () => undefined);
    socket.write(
      `POST /rest/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // Read the head, then nothing more.
    const head = await new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString('latin1'))));
    socket.pause();
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /transfer-encoding: chunked/i);
    assert.ok(engine.resultBytesInFlight > 0, 'the answer counts while it is written');
    await until(() => engine.resultBytesInFlight === 0, 'the answer no longer counts');
    // The server cut the connection: reading again finds its end.
    const closed = once(socket, 'close');
    socket.resume();
    await closed;
  } finally {
    socket.destroy();
    await app.close();
    await engine.close();
  }
});

for (const accept of ['application/json', 'application/x-ndjson']) {
  test(`a batch that runs longer than writeTimeoutMs for a client that reads (${accept}) is not cut`, async () => {
    const { engine, gate } = slowEngine();
    const { app, url } = await started(engine, 50);
    try {
      // The session's line goes out at once when streamed; then nothing until the gate opens.
      const pending = fetch(`${url}/rest/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify([
          { Url: 'Sessions', Method: 'POST' },
          { Url: 'Slow/a', Method: 'POST' },
        ]),
      });
      await gate.whenStarted('a');
      // Several write timeouts with nothing to write: an idle timer would have cut the connection.
      await sleep(250);
      gate.release();
      const res = await pending;
      assert.is(res.status, 200);
      const text = await res.text();
      assert.match(text, /"name":"a"/);
      assert.equal(gate.aborted, []);
    } finally {
      gate.release();
      await app.close();
      await engine.close();
    }
  });
}

// The write timeout measures progress, not one 'drain' (see http-slow-readers.test.ts): a client that
// reads in bursts, pausing longer than writeTimeoutMs between them, gets its whole answer.
for (const accept of ['application/json', 'application/x-ndjson']) {
  test(`a client that reads in bursts, pausing longer than writeTimeoutMs between them (${accept}), gets its whole answer`, async () => {
    const { engine } = bigResultsEngine();
    const { app, url } = await started(engine, 300);
    try {
      const req = request(`${url}/rest/batch`, { method: 'POST', headers: { 'content-type': 'application/json', accept } });
      req.end(bigBatch(160));
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      assert.is(res.statusCode, 200);
      const { text, complete } = await readInBursts(res);
      assert.ok(complete, `the answer ended whole (${text.length} characters read)`);
      if (accept === 'application/json') JSON.parse(text);
      else assert.is(text.trimEnd().split('\n').length, 162);
    } finally {
      await app.close();
      await engine.close();
    }
  });
}

test('writeTimeoutMs must be a non-negative number: the app does not start otherwise', async () => {
  const { engine } = bigResultsEngine();
  for (const writeTimeoutMs of [-1, Number.NaN]) {
    const app = Fastify();
    await app.register(restbatch, { engine, writeTimeoutMs }).then(
      () => assert.unreachable('registered'),
      (error: Error) => assert.match(error.message, /writeTimeoutMs must be a non-negative number/),
    );
    await app.close();
  }
  await engine.close();
});

test.run();
