// The Fastify plugin's write timeout over TLS (Fastify's `https` option) holds as the node:http
// handler's does (https-slow-readers.test.ts): it shares the write watch (@restbatch/http's
// writeWatch), whose progress over TLS is what the kernel took of the TCP socket under the TLS
// socket (core's bytesTaken). A client that reads in bursts, pausing longer than writeTimeoutMs
// between them, gets its whole answer, its lines of 8 MiB too (one write each, through the stream
// Fastify pipes); one that reads once and stops is cut off.
import 'reflect-metadata';
import { once } from 'node:events';
import http2 from 'node:http2';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Socket } from 'node:net';
import type { Engine } from '@restbatch/core';
import { restbatch } from '@restbatch/fastify';
import Fastify from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BIG_BYTES, bigBatch, bigResultsEngine } from './support/big-results-engine.js';
import { TLS_CREDENTIALS } from './support/listen-tls.js';
import {
  HUGE_KIB,
  hugeBatch,
  ndjsonLinesOf,
  readOnceAndStop,
  readStreamInBursts,
  readWholeInBursts,
} from './support/slow-reader-batches.js';
import { within } from './support/within.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const COUNT = 160;
const WRITE_TIMEOUT_MS = 300;
const HUGE_COUNT = 2;
const HUGE_BATCH = hugeBatch(HUGE_COUNT);

/** Fastify over TLS with the plugin of `engine` and the write timeout; the TLS sockets it served, and how its clients post. */
async function serve(engine: Engine) {
  const app = Fastify({ https: TLS_CREDENTIALS });
  await app.register(restbatch, { engine, writeTimeoutMs: WRITE_TIMEOUT_MS });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const served: Socket[] = [];
  app.server.on('secureConnection', (socket: Socket) => served.push(socket));
  /** Posts `body` to the batch endpoint (`accept` picks NDJSON or JSON); the answer, its body not read yet. */
  const send = async (accept: string, body: string): Promise<IncomingMessage> => {
    const req = request(`${url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      rejectUnauthorized: false,
    });
    req.end(body);
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    return res;
  };
  const close = async () => {
    for (const socket of served) socket.destroy();
    await app.close();
  };
  return { send, served, close };
}

test('fastify https: a client that reads a streamed batch in bursts, pausing longer than writeTimeoutMs between them, gets every line', async () => {
  const { engine, counter } = bigResultsEngine();
  ndjsonLinesOf(await readWholeInBursts(await serve(engine), 'application/x-ndjson', bigBatch(COUNT)), COUNT);
  assert.is(counter.calls, COUNT);
});

test('fastify https: a client that reads a large whole answer in bursts gets all of it', async () => {
  const text = await readWholeInBursts(await serve(bigResultsEngine().engine), 'application/json', bigBatch(COUNT));
  assert.ok(text.length > COUNT * BIG_BYTES);
  JSON.parse(text);
});

test('fastify https: a client that reads in bursts a streamed batch whose lines are 8 MiB each gets every line (its progress inside one write counts)', async () => {
  const lines = ndjsonLinesOf(await readWholeInBursts(await serve(wsTestEngine().engine), 'application/x-ndjson', HUGE_BATCH), HUGE_COUNT);
  for (const line of lines.slice(1, -1)) assert.ok(line.length > HUGE_KIB * 1024, 'a whole result');
});

test('fastify https: a client that reads one burst of a streamed batch and stops is cut off', async () => {
  await readOnceAndStop(await serve(bigResultsEngine().engine), 'application/x-ndjson', bigBatch(COUNT));
});

test('fastify https: a client that reads one burst of a large whole answer and stops is cut off', async () => {
  await readOnceAndStop(await serve(bigResultsEngine().engine), 'application/json', bigBatch(COUNT));
});

test('fastify https: a client that reads one burst of a streamed batch of 8 MiB lines and stops is cut off', async () => {
  await readOnceAndStop(await serve(wsTestEngine().engine), 'application/x-ndjson', HUGE_BATCH);
});

// Fastify over HTTP/2 (`http2: true`) pipes the answer into node's compatibility response, which
// hands its stream each piped chunk in one write: the stream's own counters move only once all of
// such a write went, so the mount keeps the session socket's progress (a stream whose reader
// stopped is cut off once no stream of its session is read; see packages/fastify/README.md).
test('fastify http2: a stream read in bursts whose NDJSON lines are 8 MiB each gets every line', async () => {
  const app = Fastify({ http2: true, https: TLS_CREDENTIALS });
  await app.register(restbatch, { engine: wsTestEngine().engine, writeTimeoutMs: WRITE_TIMEOUT_MS });
  const session = http2.connect(await app.listen({ host: '127.0.0.1', port: 0 }), { rejectUnauthorized: false });
  session.on('error', () => undefined);
  try {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/rest/batch',
      'content-type': 'application/json',
      accept: 'application/x-ndjson',
    });
    stream.on('error', () => undefined);
    stream.end(HUGE_BATCH);
    const { text, ended } = await within(readStreamInBursts(stream), 'the lines read in bursts', 60_000);
    assert.ok(ended, `the answer ended whole (${text.length} characters read)`);
    for (const line of ndjsonLinesOf(text, HUGE_COUNT).slice(1, -1)) assert.ok(line.length > HUGE_KIB * 1024, 'a whole result');
  } finally {
    session.destroy();
    await app.close();
  }
});

test.run();
