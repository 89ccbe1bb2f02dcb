// What the transports refuse: bodies JSON cannot write (the caller's error, INVALID_CALL, on every
// transport), bad options (INVALID_OPTIONS when the transport is made), and a long-lived signal
// keeps no listener per request.
import { getEventListeners, setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ClientError, httpTransport, wsTransport } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import type { Engine } from '@restbatch/core';
import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: readonly TransportKind[] = ['direct', 'http', 'ws'];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  return promise.then(
    () => assert.unreachable('the promise resolved'),
    (error: ClientError) => error,
  ) as Promise<ClientError>;
}

const cyclic = () => {
  const body: Record<string, unknown> = { Id: 'Loop' };
  body.self = body;
  return body;
};

for (const kind of KINDS) {
  const over = suite(`transport inputs over ${kind}`);

  over('a body JSON cannot write (a BigInt, a cycle) rejects its call with INVALID_CALL, batched or alone', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const loose = c as unknown as { POST(path: string, init: unknown): Promise<unknown> };
      for (const body of [{ amount: 1n }, cyclic()])
        for (const batch of [false, undefined]) {
          const error = await rejection(loose.POST('/api/lab/flaky/{key}', { params: { path: { key: 'k' } }, body, batch }));
          assert.instance(error, ClientError, `batch: ${String(batch)}`);
          assert.is(error.code, 'INVALID_CALL');
          assert.match(error.message, /the body cannot be sent as JSON/);
        }
      // The transport still carries the next call.
      assert.is((await c.GET('/api/lab/echo')).status, 200);
    }),
  );

  over('a GET with a body (which the types refuse) rejects with INVALID_CALL, batched or alone; the calls of its tick still run', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const loose = c as unknown as { GET(path: string, init: unknown): Promise<{ status: number }> };
      for (const batch of [false, undefined]) {
        const [before, bad, after] = await Promise.allSettled([
          c.GET('/api/lab/echo'),
          loose.GET('/api/lab/echo', { body: { q: 1 }, batch }),
          c.GET('/api/lab/echo'),
        ]);
        if (bad.status !== 'rejected') return assert.unreachable('the GET with a body resolved');
        const error = bad.reason as ClientError;
        assert.is(error.code, 'INVALID_CALL', `batch: ${String(batch)}`);
        assert.match(error.message, /^GET \/api\/lab\/echo: a GET takes no body/);
        for (const ok of [before, after]) assert.is(ok.status === 'fulfilled' && ok.value.status, 200);
      }
    }),
  );

  over('explicit batches sharing one long-lived signal leave no abort listener on it', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const controller = new AbortController();
      const signal = controller.signal;
      // Many calls wait on it at once, as on an app's shutdown signal.
      setMaxListeners(100, signal);
      // In waves of 16 requests: a WebSocket connection runs at most 16 at once.
      for (let wave = 0; wave < 5; wave++) {
        const batches = Array.from({ length: 8 }, (_, i) =>
          c.batch((b) => void b.GET('/api/lab/echo', { params: { query: { i } } }), { signal }),
        );
        const plain = Array.from({ length: 8 }, (_, i) => c.GET('/api/lab/echo', { params: { query: { i } }, signal, batch: false }));
        await Promise.all([...batches, ...plain]);
      }
      // fetch (undici) lets go of its listener when its request is collected.
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.is(getEventListeners(signal, 'abort').length, 0);
    }),
  );

  over.run();
}

test('httpTransport refuses options without a usable baseUrl, fetch or headers with INVALID_OPTIONS', () => {
  const bad: unknown[] = [undefined, {}, { baseUrl: 8080 }, { baseUrl: 'ftp://host' }, { baseUrl: 'localhost:8080' }];
  bad.push({ baseUrl: 'http://127.0.0.1:1', fetch: 'fetch' }, { baseUrl: 'http://127.0.0.1:1', headers: 'x' });
  for (const options of bad)
    assert.throws(
      () => httpTransport(options as never),
      (error: ClientError) => error instanceof ClientError && error.code === 'INVALID_OPTIONS',
      JSON.stringify(options),
    );
  for (const baseUrl of ['http://127.0.0.1:1', 'https://example.org/', '', '/app'])
    assert.type(httpTransport({ baseUrl }).send, 'function');
});

test('wsTransport refuses a url that is not ws:// or wss://, or a WebSocket that is not a constructor, with INVALID_OPTIONS', () => {
  const bad: unknown[] = [
    undefined,
    {},
    { url: 'not a url' },
    { url: 'http://127.0.0.1:1/rest/ws' },
    { url: 'ws://127.0.0.1:1', WebSocket: 1 },
  ];
  for (const options of bad)
    assert.throws(
      () => wsTransport(options as never),
      (error: ClientError) => error instanceof ClientError && error.code === 'INVALID_OPTIONS',
      JSON.stringify(options),
    );
});

test('a URL the WebSocket constructor refuses rejects the request with TRANSPORT_FAILED, not its SyntaxError', async () => {
  const transport = wsTransport({ url: 'ws://[::1/rest/ws', WebSocket });
  const error = await rejection(transport.send({ method: 'GET', url: '/rest/Roles', headers: {} }));
  assert.instance(error, ClientError);
  assert.is(error.code, 'TRANSPORT_FAILED');
});

test('directTransport refuses what is not an engine with INVALID_OPTIONS', () => {
  for (const engine of [undefined, {}, 'engine'])
    assert.throws(
      () => directTransport(engine as unknown as Engine),
      (error: ClientError) => error instanceof ClientError && error.code === 'INVALID_OPTIONS',
    );
});

test.run();
