import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });

/** Sends a batch with `headers` and returns its final message as [type, status, code]. */
async function outcome(client: TestClient, id: string, headers: unknown): Promise<unknown[]> {
  const answer = await client.request({ id, endpoint: '/rest/batch', headers, body: [SESSION, echo(id)] });
  const final = answer.final as { type: string; status: number; code?: string };
  return [final.type, final.status, final.code];
}

test('message header names must be HTTP tokens and values may not hold CR, LF or NUL: INVALID_HEADER, and the connection stays usable', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    assert.equal(await outcome(client, 'space', { 'x bad': 'v' }), ['error', 400, 'INVALID_HEADER']);
    assert.equal(await outcome(client, 'colon', { 'x:y': 'v' }), ['error', 400, 'INVALID_HEADER']);
    assert.equal(await outcome(client, 'empty', { '': 'v' }), ['error', 400, 'INVALID_HEADER']);
    assert.equal(await outcome(client, 'unicode', { 'x-é': 'v' }), ['error', 400, 'INVALID_HEADER']);
    assert.equal(await outcome(client, 'crlf', { 'x-a': 'v\r\nx-injected: 1' }), ['error', 400, 'INVALID_HEADER']);
    assert.equal(await outcome(client, 'lf', { 'x-a': 'v\nw' }), ['error', 400, 'INVALID_HEADER']);
    assert.equal(await outcome(client, 'nul', { 'x-a': 'v\u0000w' }), ['error', 400, 'INVALID_HEADER']);
    assert.equal(probe.started, [], 'no refused message ran');
    assert.equal(await outcome(client, 'good', { 'X-Trace': 'a b\tc', 'x-tenant': '' }), ['response', 200, undefined]);
    assert.equal(probe.started, ['good']);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('the error for a bad header names the rule and is a coded transport error with the id', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    const answer = await client.request({ id: 'h', endpoint: '/rest/batch', headers: { 'x-a': 'v\r\nw' }, body: [SESSION] });
    assert.equal(answer.final, {
      id: 'h',
      type: 'error',
      status: 400,
      code: 'INVALID_HEADER',
      message: 'Header x-a has an invalid value: control characters other than tab (CR, LF, NUL, ...) are not allowed',
    });
    await client.close();
  } finally {
    await ws.close();
  }
});

test('message headers count against the engine limits on header count and bytes: HEADERS_TOO_LARGE 431', async () => {
  const { engine, probe } = wsTestEngine({ limits: { maxRequestHeaders: 30, maxRequestHeaderBytes: 2048 } });
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-h${i}`, 'v']));
    assert.equal(await outcome(client, 'many', many), ['error', 431, 'HEADERS_TOO_LARGE']);
    assert.equal(await outcome(client, 'large', { 'x-big': 'v'.repeat(4096) }), ['error', 431, 'HEADERS_TOO_LARGE']);
    assert.equal(probe.started, []);
    assert.equal(await outcome(client, 'fits', { 'x-small': 'v'.repeat(100) }), ['response', 200, undefined]);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('an endpoint longer than maxRequestHeaderBytes is refused 431 HEADERS_TOO_LARGE, as node:http refuses such a URL, without echoing it; one at the limit runs', async () => {
  const limit = 2048;
  const { engine, probe } = wsTestEngine({ limits: { maxRequestHeaderBytes: limit } });
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    const query = (bytes: number) => {
      const head = '/rest/batch?pad=';
      return head + 'a'.repeat(bytes - head.length);
    };
    // A batch that would run (its query ignored): before, any length ran; a long path got 404 echoing it twice.
    const long = await client.request({ id: 'long', endpoint: query(limit + 1), body: [SESSION, echo('long')] });
    assert.equal(long.final, {
      id: 'long',
      type: 'error',
      status: 431,
      code: 'HEADERS_TOO_LARGE',
      message: `The endpoint holds ${limit + 1} bytes; the limit is ${limit}`,
    });
    // Counted in bytes, as on the wire: 1000 characters of two bytes each.
    const wide = await client.request({ id: 'wide', endpoint: `/rest/batch?pad=${'é'.repeat(1020)}`, body: [SESSION, echo('wide')] });
    assert.is((wide.final as { code?: string }).code, 'HEADERS_TOO_LARGE');
    const path = await client.request({ id: 'path', method: 'GET', endpoint: `/rest/${'b'.repeat(100_000)}` });
    assert.is((path.final as { status?: number }).status, 431);
    assert.ok(JSON.stringify(path.final).length < 200, 'the answer does not carry the endpoint');
    assert.equal(probe.started, []);
    const edge = await client.request({ id: 'edge', endpoint: query(limit), body: [SESSION, echo('edge')] });
    assert.is(TestClient.response(edge).status, 200);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('an ordinary call over WebSocket sees no header of the handshake (sec-websocket-*, connection, upgrade), as its sub-requests already did; the caller’s headers stay', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    // ws sends sec-websocket-key, -version and -extensions, connection: Upgrade and upgrade: websocket; a subprotocol adds sec-websocket-protocol.
    const client = await TestClient.open(ws.url, { 'x-tenant': 'T1', cookie: 'a=b' });
    const call = await client.request({ id: 'call', method: 'GET', endpoint: '/rest/Test/Headers', headers: { 'x-own': 'o' } });
    const seen = TestClient.response(call).body as Record<string, string>;
    for (const name of ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'connection', 'upgrade'])
      assert.is(seen[name], undefined, `${name} is the handshake's, not the call's`);
    assert.is(seen['x-tenant'], 'T1');
    assert.is(seen.cookie, 'a=b');
    assert.is(seen['x-own'], 'o');
    assert.ok(seen.host !== undefined, 'host stays, as over HTTP');
    await client.close();
  } finally {
    await ws.close();
  }
});

test('a body the message says is coded (Content-Encoding: gzip) gets HTTP’s answer, 415 naming the accepted coding (RFC 9110 §8.4.1, §12.5.3); identity is read as it is', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    // Over HTTP the same JSON bytes with this header get 415; a body given as a value was read as if it had no coding.
    const coded = TestClient.response(
      await client.request({ id: 'gzip', endpoint: '/rest/batch', headers: { 'content-encoding': 'gzip' }, body: [SESSION, echo('gzip')] }),
    );
    assert.is(coded.status, 415);
    assert.is((coded.body as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.match((coded.body as { reason: string }).reason, /^Content-Encoding gzip is not supported/);
    assert.is(coded.headers['accept-encoding'], 'identity');
    assert.equal(probe.started, []);
    const identity = await client.request({
      id: 'identity',
      endpoint: '/rest/batch',
      headers: { 'content-encoding': 'identity' },
      body: [SESSION, echo('identity')],
    });
    assert.is(TestClient.response(identity).status, 200);
    assert.equal(probe.started, ['identity']);
    await client.close();
  } finally {
    await ws.close();
  }
});

test.run();
