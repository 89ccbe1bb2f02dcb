// A whole (not streamed) batch answer over node:http: up to 1 Mi characters it goes whole with its
// Content-Length; a larger one is made and written in chunks (chunked transfer coding), so one
// JSON.stringify of 31 MB no longer holds the event loop for every client. The text is the same
// JSON either way, in every dialect's envelope (an array, or an object holding the items).
import 'reflect-metadata';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { createEngine, odataDialect } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { serveOverHttp } from './support/records-http.js';
import { BIG_VALUE } from './support/session-growth.js';
import { until } from './support/until.js';

/** A session, one 64 KiB parameter, then `reads` reads of it: about 64 KiB of answer per read. */
function reads(count: number): unknown[] {
  return [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Big', Value: BIG_VALUE } },
    ...Array.from({ length: count }, () => ({ Url: 'Parameters/Big', Method: 'GET' })),
  ];
}

/** The answer without what differs from one run to the next (the session id). */
const stable = (body: unknown) => JSON.stringify(body).replace(/[0-9a-f]{32}/g, 'SID');

test('an answer over 1 Mi characters is written in chunks, and is the same JSON the direct transport answers', async () => {
  const { engine } = exagoEngine();
  const http = await serveOverHttp(engine);
  try {
    const over = await http.send('/rest/batch', reads(40));
    assert.is(over.status, 200);
    assert.is(over.headers['transfer-encoding'], 'chunked');
    assert.is(over.headers['content-length'], undefined);
    assert.is((over.body as unknown[]).length, 42);
    const direct = await createDirectCaller(engine)({ url: '/rest/batch', body: reads(40) });
    assert.is(stable(over.body), stable(direct.body));
    // Below it: whole, with its length.
    const under = await http.send('/rest/batch', reads(3));
    assert.is(under.headers['transfer-encoding'], undefined);
    assert.ok(Number(under.headers['content-length']) > 3 * 65_536);
    assert.is((under.body as unknown[]).length, 5);
  } finally {
    await http.close();
  }
});

test('an object envelope (OData `responses`) over 1 Mi characters is written in chunks as the same JSON', async () => {
  const engine = createEngine({
    apis: [
      {
        base: '/api',
        resources: [{ name: 'Big', routes: [{ method: 'GET', path: ':i', handle: (ctx) => ({ i: ctx.params.i, value: BIG_VALUE }) }] }],
        batch: [{ path: '$batch', dialect: odataDialect() }],
      },
    ],
  });
  const http = await serveOverHttp(engine);
  try {
    const body = { requests: Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: 'get', url: `Big/${i}` })) };
    const over = await http.send('/api/$batch', body);
    assert.is(over.status, 200);
    assert.is(over.headers['transfer-encoding'], 'chunked');
    const direct = await createDirectCaller(engine)({ url: '/api/$batch', body });
    assert.is(JSON.stringify(over.body), JSON.stringify(direct.body));
    assert.is((over.body as { responses: unknown[] }).responses.length, 20);
  } finally {
    await http.close();
  }
});

test('a client that stops reading a large answer is cut off after writeTimeoutMs: its results stop counting in flight', async () => {
  const { engine } = exagoEngine();
  const server = createServer(createHttpHandler(engine, { writeTimeoutMs: 300 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const body = JSON.stringify(reads(200));
    const socket = connect(port, '127.0.0.1');
    socket.write(
      `POST /rest/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // Read the head, then nothing more.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    assert.ok(engine.resultBytesInFlight > 0, 'the answer counts while it is written');
    await until(() => engine.resultBytesInFlight === 0, 'the answer no longer counts');
    // The server cut the connection: reading again finds its end.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    await closed;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
  }
});

test.run();
