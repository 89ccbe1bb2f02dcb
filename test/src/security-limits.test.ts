import type { EngineOptions, EngineResponse } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { securityEngine } from './support/security-api.js';
import { openTransport, slots } from './support/security-transports.js';
import { startWs, TestClient } from './support/ws-test-client.js';

const CONTINUE = { prefer: 'odata.continue-on-error' };

/** Sends raw text straight to the engine, with exactly the headers given. */
async function send(
  options: Partial<EngineOptions>,
  raw: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<EngineResponse> {
  const { engine } = securityEngine(options);
  return engine.dispatch({ method: 'POST', url: '/api/$batch', headers: { ...CONTINUE, ...headers }, body: raw, transport: 'direct' });
}

function code(response: EngineResponse): string | undefined {
  return (response.body as { error?: { code: string } }).error?.code;
}

function echoBatch(count: number): string {
  return JSON.stringify({ requests: Array.from({ length: count }, (_, i) => ({ id: String(i), method: 'GET', url: `/Echo/${i}` })) });
}

test('sub-requests per batch: the limit is accepted and one more is rejected whole', async () => {
  const limits = { maxSubRequests: 3 };
  const ok = await send({ limits }, echoBatch(3));
  assert.is(ok.status, 200);
  const over = await send({ limits }, echoBatch(4));
  assert.is(over.status, 400);
  assert.is(code(over), 'BATCH_TOO_MANY_REQUESTS');
});

/** An echo, then POSTs whose bodies hold `counts[i]` references to it each (`${a/body/params/id}`). */
function referencesBatch(counts: readonly number[]): string {
  const requests: Array<Record<string, unknown>> = [{ id: 'a', method: 'GET', url: '/Echo/x' }];
  counts.forEach((count, i) => {
    requests.push({
      id: `r${i}`,
      method: 'POST',
      url: '/Echo',
      body: { values: Array.from({ length: count }, () => '${a/body/params/id}') },
    });
  });
  return JSON.stringify({ requests });
}

/** The details of an OData error answer (its `innererror`). */
function details(response: EngineResponse): unknown {
  return (response.body as { error?: { innererror?: { details?: unknown[] } } }).error?.innererror?.details?.[0];
}

test('references per batch: the limit is accepted and one more is rejected whole with 400 REFERENCES_TOO_MANY', async () => {
  const limits = { maxReferences: 5 };
  const ok = await send({ limits }, referencesBatch([2, 3]));
  assert.is(ok.status, 200);
  const values = (ok.body as { responses: Array<{ body: { body: { values: string[] } } }> }).responses[2]!.body.body.values;
  assert.equal(values, ['x', 'x', 'x']);
  const over = await send({ limits }, referencesBatch([2, 4]));
  assert.is(over.status, 400);
  assert.is(code(over), 'REFERENCES_TOO_MANY');
  assert.equal(details(over), { limit: 5 });
});

test('references per sub-request: the limit is accepted and one more is rejected whole, naming the sub-request', async () => {
  const limits = { maxReferencesPerSubRequest: 3 };
  assert.is((await send({ limits }, referencesBatch([3, 3, 3]))).status, 200);
  const over = await send({ limits }, referencesBatch([3, 4, 3]));
  assert.is(over.status, 400);
  assert.is(code(over), 'REFERENCES_TOO_MANY');
  assert.equal(details(over), { index: 2, limit: 3 });
  assert.match((over.body as { error: { message: string } }).error.message, /^Sub-request r1 holds more than 3 references/);
});

test('references are counted as they are found: an OData $<id> prefix is one, and the count stops at the first one too many', async () => {
  const limits = { maxReferences: 2 };
  const prefixed = (extra: string) =>
    JSON.stringify({
      requests: [
        { id: 'a', method: 'POST', url: '/Echo', body: {} },
        { id: 'b', method: 'GET', url: `$a/x?q=\${a/status}${extra}` },
      ],
    });
  // `$a` and `${a/status}`: two references. The third names a sub-request that does not exist (a
  // batch-wide REFERENCE_INVALID), but the count refuses the batch before that reference is read.
  const ok = await send({ limits }, prefixed(''));
  assert.is(ok.status, 200);
  const over = await send({ limits }, prefixed('&r=${zz}'));
  assert.is(over.status, 400);
  assert.is(code(over), 'REFERENCES_TOO_MANY');
});

test('reference limits are checked when the engine is made: each a whole number of at least 1', () => {
  for (const name of ['maxReferences', 'maxReferencesPerSubRequest']) {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => securityEngine({ limits: { [name]: bad } }), RangeError, `${name}: ${bad}`);
    }
  }
});

test('body bytes: a body of exactly the limit is read and one byte more is refused with 413', async () => {
  const text = echoBatch(1);
  const limits = { maxBodyBytes: Buffer.byteLength(text) };
  assert.is((await send({ limits }, text)).status, 200);
  const over = await send({ limits }, `${text} `);
  assert.is(over.status, 413);
  assert.is(code(over), 'PAYLOAD_TOO_LARGE');
});

test('body bytes over HTTP: the transport stops reading at the limit and answers 413', async () => {
  const text = echoBatch(1);
  const { engine } = securityEngine({ limits: { maxBodyBytes: Buffer.byteLength(text) } });
  const http = await openTransport('http', engine);
  try {
    assert.is((await http.send({ url: '/api/$batch', raw: text })).status, 200);
    const over = await http.send({ url: '/api/$batch', raw: `${text} ` });
    assert.is(over.status, 413);
    assert.is((over.body as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  } finally {
    await http.close();
  }
});

test('JSON nesting depth: the limit is accepted and one level more is rejected before parsing', async () => {
  // requests{ [ {item} body{ a[ ... : the payload {"a":[1]} brings the depth to 5.
  const limits = { maxDepth: 5 };
  const ok = await send({ limits }, '{"requests":[{"id":"0","method":"POST","url":"/Echo","body":{"a":[1]}}]}');
  assert.is(ok.status, 200);
  const over = await send({ limits }, '{"requests":[{"id":"0","method":"POST","url":"/Echo","body":{"a":[[1]]}}]}');
  assert.is(over.status, 400);
  assert.is(code(over), 'JSON_TOO_DEEP');
});

test('string length: a string of the limit is accepted and one character more is rejected', async () => {
  const limits = { maxStringLength: 10 };
  const ok = await send({ limits }, `{"requests":[{"id":"0","method":"POST","url":"/Echo","body":"${'x'.repeat(10)}"}]}`);
  assert.is(ok.status, 200);
  const over = await send({ limits }, `{"requests":[{"id":"0","method":"POST","url":"/Echo","body":"${'x'.repeat(11)}"}]}`);
  assert.is(over.status, 400);
  assert.is(code(over), 'STRING_TOO_LONG');
});

test('outer header count: the limit is accepted and one header more is refused with 431', async () => {
  // content-type and prefer are two of them.
  const limits = { maxRequestHeaders: 4 };
  const ok = await send({ limits }, echoBatch(1), { 'content-type': 'application/json', 'x-a': '1', 'x-b': '2' });
  assert.is(ok.status, 200);
  const over = await send({ limits }, echoBatch(1), { 'content-type': 'application/json', 'x-a': '1', 'x-b': '2', 'x-c': '3' });
  assert.is(over.status, 431);
  assert.is(code(over), 'HEADERS_TOO_LARGE');
});

test('outer header bytes: the limit is accepted and one byte more is refused with 431', async () => {
  const base = 'content-type'.length + 'application/json'.length + 'prefer'.length + CONTINUE.prefer.length + 'x-pad'.length;
  const limits = { maxRequestHeaderBytes: base + 10 };
  const ok = await send({ limits }, echoBatch(1), { 'content-type': 'application/json', 'x-pad': 'y'.repeat(10) });
  assert.is(ok.status, 200);
  const over = await send({ limits }, echoBatch(1), { 'content-type': 'application/json', 'x-pad': 'y'.repeat(11) });
  assert.is(over.status, 431);
  assert.is(code(over), 'HEADERS_TOO_LARGE');
});

test('outer header limits hold over HTTP and WebSocket too', async () => {
  const many = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`x-h${i}`, '1']));
  for (const name of ['http', 'ws'] as const) {
    const { engine } = securityEngine();
    const transport = await openTransport(name, engine);
    try {
      const res = await transport.send({ url: '/api/$batch', headers: many, raw: echoBatch(1) });
      assert.is(res.status, 431, name);
    } finally {
      await transport.close();
    }
  }
});

test('sub-request header count and bytes: the limits are accepted and one more fails that slot with 431', async () => {
  const headers = { maxHeaders: 2, maxHeaderBytes: 10 };
  const body = JSON.stringify({
    requests: [
      { id: '0', method: 'GET', url: '/Echo/0', headers: { a: '1', b: '2' } },
      { id: '1', method: 'GET', url: '/Echo/1', headers: { a: '1', b: '2', c: '3' } },
      { id: '2', method: 'GET', url: '/Echo/2', headers: { abcd: '123456' } },
      { id: '3', method: 'GET', url: '/Echo/3', headers: { abcd: '1234567' } },
    ],
  });
  const res = await send({ headers }, body);
  assert.equal(slots(res.body), [
    [200, undefined],
    [431, 'HEADERS_TOO_LARGE'],
    [200, undefined],
    [431, 'HEADERS_TOO_LARGE'],
  ]);
});

test('WebSocket message size: a message of the limit is answered and one byte more closes the connection with 1009', async () => {
  const { engine } = securityEngine();
  const server = await startWs(engine, { maxPayload: 2000 });
  try {
    const frame = (size: number) => {
      const message = (pad: string) =>
        JSON.stringify({ id: 'x', endpoint: '/api/$batch', headers: { 'x-pad': pad }, bodyText: echoBatch(1) });
      return message('p'.repeat(size - Buffer.byteLength(message(''))));
    };
    const ok = await TestClient.open(server.url);
    const exact = frame(2000);
    assert.is(Buffer.byteLength(exact), 2000);
    ok.send(exact);
    const answer = await ok.answer('x');
    assert.is(answer.final.type, 'response');
    await ok.close();
    const big = await TestClient.open(server.url);
    const over = frame(2001);
    assert.is(Buffer.byteLength(over), 2001);
    big.send(over);
    const closed = await big.closed;
    assert.is(closed.code, 1009);
  } finally {
    await server.close();
  }
});

test('per-sub-request time: a handler over its timeout gets 504 TIMEOUT in its slot, the others run', async () => {
  const res = await send(
    { limits: { subRequestTimeoutMs: 30 } },
    JSON.stringify({
      requests: [
        { id: '0', method: 'GET', url: '/Hang' },
        { id: '1', method: 'GET', url: '/Echo/1' },
      ],
    }),
  );
  assert.equal(slots(res.body), [
    [504, 'TIMEOUT'],
    [200, undefined],
  ]);
});

test('per-batch time: the deadline ends a batch that would never finish, and a client cannot extend it', async () => {
  const body = JSON.stringify({
    requests: [
      { id: '0', method: 'GET', url: '/Echo/0' },
      { id: '1', method: 'GET', url: '/Hang' },
      { id: '2', method: 'GET', url: '/Echo/2' },
    ],
  });
  const res = await send({ limits: { batchTimeoutMs: 40 } }, body, { 'content-type': 'application/json', 'restbatch-timeout': '3600000' });
  const got = slots(res.body);
  assert.equal(got.slice(0, 2), [
    [200, undefined],
    [504, 'TIMEOUT'],
  ]);
  assert.is(got[2]![0], 504);
});

test.run();
