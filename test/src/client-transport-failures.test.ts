import type { AddressInfo } from 'node:net';
import { ClientError, createClient, httpTransport, wsTransport } from '@restbatch/client';
import type { paths } from '@restbatch/example-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket, { WebSocketServer } from 'ws';
import { listen } from './support/listen.js';

const ENDPOINTS = { '/rest/claim/v1/$batch': 'odata' } as const;
const read = (id: string) => ({ params: { path: { claimId: id } } });

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: ClientError) => error,
  );
}

test('over HTTP, a server that cannot be reached rejects every call of the batch with TRANSPORT_FAILED', async () => {
  const server = await listen(() => undefined);
  const url = server.url;
  await server.close();
  const c = createClient<paths>({ transport: httpTransport({ baseUrl: url }), endpoints: ENDPOINTS });
  const errors = await Promise.all([
    rejection(c.GET('/rest/claim/v1/claims/{claimId}', read('a'))),
    rejection(c.GET('/rest/claim/v1/claims/{claimId}', read('b'))),
  ]);
  for (const error of errors) {
    assert.instance(error, ClientError);
    assert.is(error.code, 'TRANSPORT_FAILED');
  }
});

test('over HTTP, a body that is not JSON is handed back as text in the error of the refused batch', async () => {
  const server = await listen((_req, res) => {
    res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
  });
  try {
    const c = createClient<paths>({ transport: httpTransport({ baseUrl: server.url }), endpoints: ENDPOINTS });
    const error = await rejection(c.GET('/rest/claim/v1/claims/{claimId}', read('a')));
    assert.is(error.code, 'BATCH_REJECTED');
    assert.is(error.status, 502);
    assert.is(error.body, 'bad gateway');
  } finally {
    await server.close();
  }
});

test('over HTTP, a batch that fails after some lines were streamed refuses the calls still waiting with its error line', async () => {
  const server = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ id: '0', status: 200, body: { data: { id: 'cc:22' } } })}\n`);
    res.end(`${JSON.stringify({ error: { code: 'BATCH_TIMEOUT', message: 'The batch ran out of time' }, status: 504 })}\n`);
  });
  try {
    const c = createClient<paths>({ transport: httpTransport({ baseUrl: server.url }), endpoints: ENDPOINTS });
    const [first, second] = await Promise.allSettled([
      c.GET('/rest/claim/v1/claims/{claimId}', read('cc:22')),
      c.GET('/rest/claim/v1/claims/{claimId}', read('cc:23')),
    ]);
    assert.is(first.status, 'fulfilled');
    assert.is((first as PromiseFulfilledResult<{ status: number }>).value.status, 200);
    const error = (second as PromiseRejectedResult).reason as ClientError;
    assert.instance(error, ClientError);
    assert.is(error.code, 'BATCH_REJECTED');
    assert.is(error.status, 504);
    assert.is(error.serverCode, 'BATCH_TIMEOUT');
    assert.is(error.message, 'POST /rest/claim/v1/$batch was refused: 504 The batch ran out of time');
  } finally {
    await server.close();
  }
});

test('over WebSocket, a connection that closes rejects its waiting calls, and the next call opens a new one', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  let connections = 0;
  wss.on('connection', (socket) => {
    connections++;
    socket.on('message', () => socket.close(1011));
  });
  const { port } = wss.address() as AddressInfo;
  const c = createClient<paths>({
    transport: wsTransport({ url: `ws://127.0.0.1:${port}/rest/ws`, WebSocket }),
    endpoints: ENDPOINTS,
  });
  try {
    const first = await rejection(c.GET('/rest/claim/v1/claims/{claimId}', read('a')));
    assert.is(first.code, 'TRANSPORT_FAILED');
    const second = await rejection(c.GET('/rest/claim/v1/claims/{claimId}', read('b')));
    assert.is(second.code, 'TRANSPORT_FAILED');
    assert.is(connections, 2);
  } finally {
    await c.close();
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('without a WebSocket constructor the transport refuses to start with UNSUPPORTED', () => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = undefined;
  try {
    assert.throws(
      () => wsTransport({ url: 'ws://127.0.0.1:1/rest/ws' }),
      (error: ClientError) => error.code === 'UNSUPPORTED',
    );
  } finally {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  }
});

test("over HTTP, a body JSON cannot write rejects the call with INVALID_CALL (the caller's error), and send answers a rejected promise (no throw)", async () => {
  let fetched = 0;
  const fetch = (async () => {
    fetched++;
    return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  const transport = httpTransport({ baseUrl: 'http://127.0.0.1:1', fetch });
  const c = createClient<paths>({ transport, endpoints: ENDPOINTS });
  const loose = c as unknown as { POST(path: string, init: unknown): Promise<unknown> };
  for (const batch of [false, undefined]) {
    const error = await rejection(loose.POST('/rest/claim/v1/claims', { body: { amount: 1n }, batch }));
    assert.instance(error, ClientError, `batch: ${String(batch)}`);
    assert.is(error.code, 'INVALID_CALL');
    assert.match(error.message, /BigInt/);
  }
  let sent: Promise<unknown> | undefined;
  assert.not.throws(() => {
    sent = transport.send({ method: 'POST', url: '/rest/x', headers: {}, body: { amount: 1n } });
  });
  assert.is((await rejection(sent as Promise<unknown>)).code, 'INVALID_CALL');
  assert.is(fetched, 0);
});

test.run();
