// The node:http handler mounted on node:http2's compatibility API (`http2.createSecureServer`, with
// and without `allowHTTP1`, and `http2.createServer`, cleartext h2c) answers as over HTTP/1.1, and
// its write timeout judges each stream by itself. Many streams share one session and its socket,
// and a stream's reader is held back by its flow-control window (RFC 9113 §5.2: a receiver that
// stops reading a stream stops granting the sender room on it), so the bytes the socket takes say
// nothing about one stream: counted per socket, a stream whose reader stopped was carried as long
// as another stream of the session was read, its batch and answer held all that time. Progress is
// now the stream's own (what it has sent), with large writes handed to it in pieces so that a
// reader of one huge line shows progress as it reads (as over HTTP/1.1: https-slow-readers.test.ts).
import 'reflect-metadata';
import { once } from 'node:events';
import http2 from 'node:http2';
import type { IncomingMessage } from 'node:http';
import { request as requestTls } from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from '@restbatch/core';
import { createHttpHandler, type HttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigBatch, bigResultsEngine } from './support/big-results-engine.js';
import { TLS_CREDENTIALS } from './support/listen-tls.js';
import { HUGE_KIB, hugeBatch, ndjsonLinesOf, readStreamInBursts } from './support/slow-reader-batches.js';
import { within } from './support/within.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const WRITE_TIMEOUT_MS = 300;
const COUNT = 160;
const HUGE_COUNT = 2;
const HUGE_BATCH = hugeBatch(HUGE_COUNT);

type Mode = 'h2' | 'h2 with allowHTTP1' | 'h2c';

/** What the server made of one request: its response, and whether its handler finished (`onResponse`). */
interface Served {
  res: http2.Http2ServerResponse;
  handled: boolean;
}

/**
 * An HTTP/2 server (`mode`) whose requests go to a handler of `engines[x-engine]` (default `a`)
 * with the write timeout; what it served, by engine; an HTTP/2 session to it.
 */
async function serve(mode: Mode, engines: Record<string, Engine>, writeTimeoutMs = WRITE_TIMEOUT_MS) {
  const served: Record<string, Served> = {};
  const handlers: Record<string, HttpHandler> = {};
  for (const [name, engine] of Object.entries(engines)) {
    handlers[name] = createHttpHandler(engine, {
      writeTimeoutMs,
      onResponse: () => {
        const s = served[name];
        if (s !== undefined) s.handled = true;
      },
    });
  }
  const listener = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const name = typeof req.headers['x-engine'] === 'string' ? req.headers['x-engine'] : 'a';
    served[name] = { res, handled: false };
    // The compatibility API's request and response stand in for node:http's (as node's docs have it).
    (handlers[name] as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void)(req, res);
  };
  const server =
    mode === 'h2c' ? http2.createServer(listener) : http2.createSecureServer({ ...TLS_CREDENTIALS, allowHTTP1: mode !== 'h2' }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${mode === 'h2c' ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const session = http2.connect(url, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  /** Posts `body` to the batch endpoint of engine `engine` on the session; the stream, its answer not read yet. */
  const post = (accept: string, body: string, engine = 'a'): http2.ClientHttp2Stream => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/rest/batch',
      'content-type': 'application/json',
      accept,
      'x-engine': engine,
    });
    stream.on('error', () => undefined);
    stream.end(body);
    return stream;
  };
  const close = async () => {
    session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, served, post, session, close };
}

/** Reads `stream` to its end; its status and text. */
async function readAll(stream: http2.ClientHttp2Stream): Promise<{ status: unknown; text: string }> {
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return { status: headers[':status'], text };
}

for (const mode of ['h2', 'h2 with allowHTTP1', 'h2c'] as const) {
  test(`${mode}: batches are answered over HTTP/2, whole and streamed`, async () => {
    const s = await serve(mode, { a: bigResultsEngine().engine });
    try {
      const whole = await within(readAll(s.post('application/json', bigBatch(3))), 'the whole answer');
      assert.is(whole.status, 200);
      assert.is((JSON.parse(whole.text) as unknown[]).length, 4);
      const streamed = await within(readAll(s.post('application/x-ndjson', bigBatch(3))), 'the streamed answer');
      assert.is(streamed.status, 200);
      ndjsonLinesOf(streamed.text, 3);
    } finally {
      await s.close();
    }
  });
}

test('h2 with allowHTTP1: an HTTP/1.1 client over TLS is answered by the same handler', async () => {
  const s = await serve('h2 with allowHTTP1', { a: bigResultsEngine().engine });
  try {
    const req = requestTls(`${s.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      rejectUnauthorized: false,
    });
    req.end(bigBatch(3));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    assert.is(res.httpVersion, '1.1');
    assert.is(res.statusCode, 200);
    let text = '';
    for await (const chunk of res) text += String(chunk);
    assert.is((JSON.parse(text) as unknown[]).length, 4);
  } finally {
    await s.close();
  }
});

test('h2: a stream read in bursts whose NDJSON lines are one write of 8 MiB each gets every line (its progress inside one line counts)', async () => {
  const s = await serve('h2', { a: wsTestEngine().engine });
  try {
    const { text, ended } = await within(
      readStreamInBursts(s.post('application/x-ndjson', HUGE_BATCH)),
      'the lines read in bursts',
      60_000,
    );
    assert.ok(ended, `the answer ended whole (${text.length} characters read)`);
    for (const line of ndjsonLinesOf(text, HUGE_COUNT).slice(1, -1)) assert.ok(line.length > HUGE_KIB * 1024, 'a whole result');
  } finally {
    await s.close();
  }
});

test('h2: a stream read in bursts gets a large whole answer', async () => {
  const s = await serve('h2', { a: bigResultsEngine().engine });
  try {
    const { text, ended } = await within(
      readStreamInBursts(s.post('application/json', bigBatch(COUNT))),
      'the answer read in bursts',
      60_000,
    );
    assert.ok(ended, `the answer ended whole (${text.length} characters read)`);
    assert.is((JSON.parse(text) as unknown[]).length, COUNT + 1);
  } finally {
    await s.close();
  }
});

for (const mode of ['h2', 'h2c'] as const) {
  for (const accept of ['application/x-ndjson', 'application/json']) {
    test(`${mode}: a stream whose reader stopped is cut off while another stream of its session is read (${accept})`, async () => {
      const a = bigResultsEngine();
      const s = await serve(mode, { a: a.engine, b: bigResultsEngine().engine });
      try {
        // Stream a: one chunk read, then no more (its flow-control window stays shut).
        const stopped = s.post(accept, bigBatch(COUNT), 'a');
        await within(once(stopped, 'data'), 'the first chunk of the stopped stream');
        stopped.pause();
        // Stream b, on the same session: read in bursts, each pause longer than the write timeout,
        // until stream a is cut off (its answer is many times what it reads in the time that takes).
        const cut = () => s.served.a?.res.stream.destroyed === true;
        const read = s.post(accept, bigBatch(2 * COUNT), 'b');
        const { ended } = await within(readStreamInBursts(read, cut), 'stream a cut off or stream b read', 60_000);
        assert.ok(cut(), 'the stopped stream was cut off');
        // RFC 9113 §7: reset with CANCEL. A reset with NO_ERROR (what destroy() sends) reads to a
        // client as the end of a complete answer.
        assert.is(s.served.a?.res.stream.rstCode, http2.constants.NGHTTP2_CANCEL, 'the server reset it with CANCEL');
        assert.not.ok(ended, 'while the other stream was still being read');
        assert.not.ok(s.served.a?.res.writableFinished, 'its answer was not finished');
        // Its batch ended, and its handler let go of its answer (the rest of it is not made).
        await within(
          (async () => {
            while (s.served.a?.handled !== true) await sleep(20);
          })(),
          'the handler of the stopped stream finished',
        );
        if (accept === 'application/x-ndjson') assert.ok(a.counter.calls < COUNT, `its batch ended early (${a.counter.calls} calls)`);
        // Its client sees the reset's code (node's client may still emit 'end' for a CANCEL: the code tells).
        stopped.resume();
        if (!stopped.closed) await within(once(stopped, 'close'), 'the client saw the stopped stream close');
        assert.is(stopped.rstCode, http2.constants.NGHTTP2_CANCEL, 'the client got RST_STREAM(CANCEL)');
        // The other stream is unaffected: the rest of its answer comes whole.
        read.resume();
        if (!read.readableEnded) await within(once(read, 'end'), 'the rest of stream b');
        assert.ok(s.served.b?.res.writableFinished, 'stream b got its whole answer');
      } finally {
        await s.close();
      }
    });
  }
}

for (const mode of ['h2', 'h2c'] as const) {
  test(`${mode}: HEAD of a large answer ends with its headers; the handler does not wait for a write that never drains`, async () => {
    // A write timeout far longer than the test's waits: a handler that waited for it would not finish in time.
    const s = await serve(mode, { a: wsTestEngine().engine }, 120_000);
    try {
      // 8 MiB: an answer written in chunks. Node ends a HEAD stream with its headers; a write to it never drains.
      const stream = s.session.request({ ':method': 'HEAD', ':path': `/rest/Test/Big/${HUGE_KIB}` });
      const [headers] = (await within(once(stream, 'response'), 'the HEAD answer')) as [http2.IncomingHttpHeaders];
      assert.is(headers[':status'], 200);
      stream.resume();
      if (!stream.closed) await within(once(stream, 'close'), 'the HEAD stream closed');
      let waiting = true;
      try {
        await within(
          (async () => {
            while (waiting && s.served.a?.handled !== true) await sleep(20);
          })(),
          'the handler finished (before the write timeout)',
          10_000,
        );
      } finally {
        waiting = false;
      }
    } finally {
      await s.close();
    }
  });
}

for (const accept of ['application/x-ndjson', 'application/json']) {
  test(`h2c: a client that stops reading the whole connection (a large window, as browsers grant) has its stream destroyed and its batch let go (${accept})`, async () => {
    const { engine } = bigResultsEngine();
    const s = await serve('h2c', { a: engine });
    // client <-> proxy <-> server: the proxy stops reading the server's socket after the first
    // data, as a frozen client or a dropped network does. A reset is then only queued (the session
    // sends nothing more): the stream must be destroyed all the same.
    let upstream: Socket | undefined;
    const proxy = net.createServer((down) => {
      const up = net.connect(Number(new URL(s.url).port), '127.0.0.1');
      upstream = up;
      down.pipe(up);
      up.pipe(down);
      down.on('error', () => undefined);
      up.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const session = http2.connect(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, {
      settings: { initialWindowSize: 2 ** 31 - 1 },
    });
    session.on('error', () => undefined);
    session.on('connect', () => session.setLocalWindowSize(2 ** 31 - 1));
    let waiting = true;
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/rest/batch', 'content-type': 'application/json', accept });
      stream.on('error', () => undefined);
      stream.end(bigBatch(4 * COUNT));
      await within(once(stream, 'data'), 'the first data');
      upstream?.unpipe();
      upstream?.pause();
      await within(
        (async () => {
          while (waiting && (s.served.a?.handled !== true || engine.running !== 0)) await sleep(20);
        })(),
        'the handler finished and the batch ended',
        20_000,
      );
      assert.ok(s.served.a?.res.stream.destroyed, 'the stream was destroyed');
      assert.is(s.served.a?.res.stream.rstCode, http2.constants.NGHTTP2_CANCEL, 'with CANCEL as its reset code');
      assert.is(engine.resultBytesInFlight, 0, 'its results were let go');
    } finally {
      waiting = false;
      session.destroy();
      upstream?.destroy();
      proxy.close();
      await s.close();
    }
  });
}

test('h2c: an onResponse that throws is logged and does not cut the answer (it observes only)', async () => {
  const { engine } = bigResultsEngine();
  const handler = createHttpHandler(engine, {
    onResponse: () => {
      throw new Error('an observer failed');
    },
  }) as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
  const server = http2.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  session.on('error', () => undefined);
  try {
    for (const accept of ['application/json', 'application/x-ndjson']) {
      const stream = session.request({ ':method': 'POST', ':path': '/rest/batch', 'content-type': 'application/json', accept });
      stream.on('error', () => undefined);
      stream.end(bigBatch(3));
      const { status, text } = await within(readAll(stream), `the ${accept} answer`);
      assert.is(status, 200);
      assert.is(stream.rstCode, http2.constants.NGHTTP2_NO_ERROR, `${accept}: not reset with an error`);
      if (accept === 'application/json') assert.is((JSON.parse(text) as unknown[]).length, 4);
      else ndjsonLinesOf(text, 3);
    }
  } finally {
    session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test.run();
