// A large whole answer (over 1 Mi characters) is made in slices that let go of the event loop, and
// every HTTP transport takes those turns from the engine (`engine.nextTurn`): the engine's
// batches and all its large-answer writers then share the loop's turns in order, none holding a
// turn for its own slice beside the others'.
import 'reflect-metadata';
import { connect } from 'node:net';
import type { ServerResponse } from 'node:http';
import type { Engine } from '@restbatch/core';
import { restbatch } from '@restbatch/fastify';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import Fastify from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { big, inFlightEngine } from './support/in-flight-engine.js';
import { listen } from './support/listen.js';

const KIB = 1024;
/** 40 results of 64 KiB: about 2.6 Mi characters of answer, in 40 pieces after the first chunk. */
const BODY = JSON.stringify({ requests: Array.from({ length: 40 }, () => big(64)) });
/** Reads of the answer slowed down: each holds the loop past the writer's 2 ms slice. */
const SLOW_READS = 8;

/**
 * Holds the event loop for 3 ms, longer than a writer's slice (2 ms): a writer that made a chunk
 * before it then lets go of the loop at its next check, however fast the machine makes JSON.
 */
function spin(): void {
  const end = performance.now() + 3;
  while (performance.now() < end);
}

/** Counts the calls of the engine's `nextTurn` (the instance's, which a transport binds). */
function countTurns(engine: Engine): { readonly calls: number } {
  const counted = { calls: 0 };
  const nextTurn = engine.nextTurn.bind(engine);
  engine.nextTurn = () => {
    counted.calls++;
    return nextTurn();
  };
  return counted;
}

/** The first `SLOW_READS` writes of `res` each hold the loop for 3 ms, as a slow socket would. */
function slowWrites(res: ServerResponse): void {
  const write = res.write as (...args: unknown[]) => boolean;
  let slow = SLOW_READS;
  res.write = ((...args: unknown[]) => {
    if (slow-- > 0) spin();
    return write.apply(res, args);
  }) as ServerResponse['write'];
}

/** Sends the batch over a raw socket to `port` and resolves with the whole answer once the server ends it. */
function sendRaw(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      // The last chunk of the chunked transfer coding.
      if (text.endsWith('\r\n0\r\n\r\n')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.write(
      `POST /api/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`,
    );
  });
}

test('node:http: a large answer is made in turns taken from engine.nextTurn', async () => {
  const { engine } = inFlightEngine({});
  const turns = countTurns(engine);
  const handler = createHttpHandler(engine);
  const s = await listen((req, res) => {
    slowWrites(res);
    handler(req, res);
  });
  try {
    const answer = await sendRaw(Number(new URL(s.url).port));
    assert.match(answer, /transfer-encoding: chunked/i);
    assert.ok(answer.length > 40 * 64 * KIB);
    assert.ok(turns.calls > 0, 'the writer let go of the loop through the engine');
  } finally {
    await s.close();
    await engine.close();
  }
});

test('Fastify: a large answer is made in turns taken from engine.nextTurn', async () => {
  const { engine } = inFlightEngine({});
  const turns = countTurns(engine);
  const app = Fastify();
  app.addHook('onRequest', (_request, reply, done) => {
    slowWrites(reply.raw);
    done();
  });
  try {
    await app.register(restbatch, { engine });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const answer = await sendRaw((app.server.address() as { port: number }).port);
    assert.match(answer, /transfer-encoding: chunked/i);
    assert.ok(answer.length > 40 * 64 * KIB);
    assert.ok(turns.calls > 0, 'the writer let go of the loop through the engine');
  } finally {
    await app.close();
    await engine.close();
  }
});

test('fetch: a large answer is made in turns taken from engine.nextTurn', async () => {
  const { engine } = inFlightEngine({});
  const turns = countTurns(engine);
  const res = await createFetchHandler(engine)(
    new Request('http://restbatch.test/api/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY }),
  );
  const reader = res.body!.getReader();
  let size = 0;
  let slow = SLOW_READS;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (slow-- > 0) spin();
  }
  assert.ok(size > 40 * 64 * KIB);
  assert.ok(turns.calls > 0, 'the writer let go of the loop through the engine');
  await engine.close();
});

test.run();
