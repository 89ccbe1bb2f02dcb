// RFC 9112 §6.2: "A sender MUST NOT send a Content-Length header field in any message that contains
// a Transfer-Encoding header field". A handler's framing and hop-by-hop headers never reach the
// wire (a proxy reading one framing and the server the other is request smuggling); the transport
// frames the answer itself.
import 'reflect-metadata';
import { connect } from 'node:net';
import { createEngine, reply } from '@restbatch/core';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';

const engine = () =>
  createEngine({
    apis: [
      {
        base: '/api',
        resources: [
          {
            name: 'H',
            routes: [
              {
                method: 'GET',
                path: 'te',
                handle: () =>
                  reply(200, { x: 1 }, { 'transfer-encoding': 'chunked', connection: 'keep-alive, x-hop', 'x-hop': '1', trailer: 'x-t' }),
              },
            ],
          },
        ],
      },
    ],
  });

/** The raw bytes of the answer to one request that closes its connection. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      out += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });
}

test('node:http: a handler transfer-encoding is dropped; the answer has one framing, its content-length', async () => {
  const s = await listen(createHttpHandler(engine()));
  try {
    const port = Number(new URL(s.url).port);
    const answer = await raw(port, 'GET /api/H/te HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const head = answer.slice(0, answer.indexOf('\r\n\r\n')).toLowerCase();
    assert.not.match(head, 'transfer-encoding');
    assert.not.match(head, 'x-hop');
    assert.not.match(head, 'trailer');
    assert.match(head, 'content-length: 7');
    assert.ok(answer.endsWith('\r\n\r\n{"x":1}'), JSON.stringify(answer));
  } finally {
    await s.close();
  }
});

test('fetch handler: the same headers are dropped', async () => {
  const res = await createFetchHandler(engine())(new Request('http://x/api/H/te'));
  assert.is(res.status, 200);
  for (const name of ['transfer-encoding', 'connection', 'x-hop', 'trailer']) assert.is(res.headers.get(name), null, name);
  assert.equal(await res.json(), { x: 1 });
});

test.run();
