// A whole answer of any size, not only one that may be large, is bounded by writeTimeoutMs until
// the socket takes it. The kernel mostly takes a small answer at once (no timer is armed then), but
// one whose client reads nothing and whose window is full stays in the server's buffers: without
// the timer it held the connection and the batch's results in flight for ever, so a few hundred
// such clients could take the whole of limits.maxResultBytesInFlight from everyone else.
import 'reflect-metadata';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { ServerResponse } from 'node:http';
import { restbatch } from '@restbatch/fastify';
import { createHttpHandler } from '@restbatch/http';
import Fastify from 'fastify';
import { test } from 'uvu';
import { big, inFlightEngine } from './support/in-flight-engine.js';
import { listen } from './support/listen.js';
import { until } from './support/until.js';
import { within } from './support/within.js';

const KIB = 1024;
/** One result of 8 KiB: its answer goes whole, with its Content-Length. */
const BODY = JSON.stringify({ requests: [big(8)] });

/**
 * Makes the socket of `res` take nothing, as a client's full receive window does: what is written
 * stays in the server's buffer, never handed to the kernel, so the answer never finishes.
 */
function socketTakesNothing(res: ServerResponse): void {
  const socket = res.socket as Socket & { _write: unknown; _writev: unknown };
  socket._write = () => undefined;
  socket._writev = () => undefined;
}

/** Sends the batch over a raw socket and resolves once the server closes the connection. */
async function sendAndWaitForClose(port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    `POST /api/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`,
  );
  try {
    await once(socket, 'close');
  } finally {
    socket.destroy();
  }
}

test('node:http: a small whole answer the socket takes nothing of is cut after writeTimeoutMs: its results stop counting', async () => {
  const { engine } = inFlightEngine({});
  const handler = createHttpHandler(engine, { writeTimeoutMs: 200 });
  const s = await listen((req, res) => {
    socketTakesNothing(res);
    handler(req, res);
  });
  try {
    const closed = sendAndWaitForClose(Number(new URL(s.url).port));
    await until(() => engine.resultBytesInFlight === 8 * KIB + 11, 'the answer holds its results');
    await until(() => engine.resultBytesInFlight === 0, 'the untaken answer no longer counts');
    await within(closed, 'the server closed the connection');
  } finally {
    await s.close();
    await engine.close();
  }
});

test('Fastify: a small whole answer the socket takes nothing of is cut after writeTimeoutMs: its results stop counting', async () => {
  const { engine } = inFlightEngine({});
  const app = Fastify();
  app.addHook('onRequest', (_request, reply, done) => {
    socketTakesNothing(reply.raw);
    done();
  });
  try {
    await app.register(restbatch, { engine, writeTimeoutMs: 200 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const closed = sendAndWaitForClose((app.server.address() as { port: number }).port);
    await until(() => engine.resultBytesInFlight === 8 * KIB + 11, 'the answer holds its results');
    await until(() => engine.resultBytesInFlight === 0, 'the untaken answer no longer counts');
    await within(closed, 'the server closed the connection');
  } finally {
    await app.close();
    await engine.close();
  }
});

test.run();
