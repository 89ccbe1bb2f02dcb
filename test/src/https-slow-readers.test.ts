// The write timeout over TLS (the node:http handler on an https server) holds as over plain HTTP
// (http-slow-readers.test.ts): a client that reads in bursts, pausing longer than writeTimeoutMs
// between them, gets its whole answer; one that reads once and stops is cut off. Its progress is
// what the kernel took of the TCP socket under TLS (core's bytesTaken): the TLS socket's own private
// fields show none while a reader takes one large write (an NDJSON line of a result of 8 MiB is
// one), so such a reader used to be cut off over TLS in its first pause, while over plain HTTP it
// got every line.
import 'reflect-metadata';
import { once } from 'node:events';
import { type IncomingMessage, request as requestTcp } from 'node:http';
import { request as requestTls } from 'node:https';
import type { Socket } from 'node:net';
import type { Engine } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BIG_BYTES, bigBatch, bigResultsEngine } from './support/big-results-engine.js';
import { listen } from './support/listen.js';
import { listenTls } from './support/listen-tls.js';
import { HUGE_KIB, hugeBatch, ndjsonLinesOf, readOnceAndStop, readWholeInBursts } from './support/slow-reader-batches.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const COUNT = 160;
const WRITE_TIMEOUT_MS = 300;
const HUGE_COUNT = 3;
const HUGE_BATCH = hugeBatch(HUGE_COUNT);

/** A server of `engine` over TLS (or plain TCP) with the write timeout, and how its clients post to it. */
async function serve(engine: Engine, tls = true) {
  const s = await (tls ? listenTls : listen)(createHttpHandler(engine, { writeTimeoutMs: WRITE_TIMEOUT_MS }));
  const served: Socket[] = [];
  s.server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => served.push(socket));
  /** Posts `body` to the batch endpoint (`accept` picks NDJSON or JSON) and returns the answer, its body not read yet. */
  const send = async (accept: string, body: string): Promise<IncomingMessage> => {
    const headers = { 'content-type': 'application/json', accept };
    const req = tls
      ? requestTls(`${s.url}/rest/batch`, { method: 'POST', headers, rejectUnauthorized: false })
      : requestTcp(`${s.url}/rest/batch`, { method: 'POST', headers });
    req.end(body);
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    return res;
  };
  return { send, served, close: s.close };
}

test('https: a client that reads a streamed batch in bursts, pausing longer than writeTimeoutMs between them, gets every line', async () => {
  const { engine, counter } = bigResultsEngine();
  ndjsonLinesOf(await readWholeInBursts(await serve(engine), 'application/x-ndjson', bigBatch(COUNT)), COUNT);
  assert.is(counter.calls, COUNT);
});

test('https: a client that reads a large whole answer in bursts gets all of it', async () => {
  const text = await readWholeInBursts(await serve(bigResultsEngine().engine), 'application/json', bigBatch(COUNT));
  assert.ok(text.length > COUNT * BIG_BYTES);
  JSON.parse(text);
});

for (const tls of [false, true]) {
  test(`${tls ? 'https' : 'http'}: a client that reads in bursts a streamed batch whose lines are one write of 8 MiB each gets every line (its progress inside one write counts)`, async () => {
    const lines = ndjsonLinesOf(
      await readWholeInBursts(await serve(wsTestEngine().engine, tls), 'application/x-ndjson', HUGE_BATCH),
      HUGE_COUNT,
    );
    for (const line of lines.slice(1, -1)) assert.ok(line.length > HUGE_KIB * 1024, 'a whole result');
  });
}

test('https: a client that reads one burst and stops is still cut off', async () => {
  await readOnceAndStop(await serve(bigResultsEngine().engine), 'application/x-ndjson', bigBatch(COUNT));
});

test('https: a client that reads one burst of a streamed batch of 8 MiB lines and stops is cut off', async () => {
  await readOnceAndStop(await serve(wsTestEngine().engine), 'application/x-ndjson', HUGE_BATCH);
});

test.run();
