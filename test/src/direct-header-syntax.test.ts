// node:http refuses a header name that is not a token (RFC 9110 §5.1: field-name = token) and a
// value holding CR, LF or NUL (§5.5: "Field values containing CR, LF, or NUL characters are invalid
// and dangerous"), or any other control character but tab (field-vchar), before the engine sees the request; a WebSocket message's headers are refused 400
// INVALID_HEADER by core's checkHeaderSyntax. A direct call's and engine.inject's headers, which no
// parser has seen either, get the same answer: the status, code and message WebSocket sends, in the
// error shape of the endpoint's dialect, and nothing runs.
import 'reflect-metadata';
import type { Engine } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createExampleEngine } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BAD_HEADERS, HEADER_TARGETS, type HeaderTarget } from './support/header-syntax-cases.js';
import { startWs, TestClient } from './support/ws-test-client.js';

type Target = HeaderTarget;
const TARGETS = HEADER_TARGETS;

const BAD: ReadonlyArray<readonly [string, Readonly<Record<string, string>>]> = [
  ...BAD_HEADERS,
  // toLowerCase turns the Kelvin sign (U+212A) into an ASCII k: the name must not pass as `x-kind` (on any transport).
  ['a name with the Kelvin sign', { 'X-\u212Aind': 'v' }],
  // node:http's parser answers 400 to any control character but tab in a value (checked on a raw socket).
  ['a control character (U+0001) in a value', { 'x-a': 'v\u0001w' }],
  ['DEL in a value', { 'x-a': 'v\u007fw' }],
];

/** The code and message of an error body, whatever the dialect's shape (Exago's, Guidewire's, OData's). */
function codeAndMessage(body: unknown): [unknown, unknown] {
  const b = body as { code?: string; reason?: string; errorCode?: string; userMessage?: string; error?: { code: string; message: string } };
  if (b.error !== undefined) return [b.error.code, b.error.message];
  if (b.errorCode !== undefined) return [b.errorCode, b.userMessage];
  return [b.code, b.reason];
}

const engine = (): Engine => createExampleEngine({ logger: { error: () => undefined } });

/** What WebSocket answers a message to `target` with `headers`: [type, status, code, message]. */
async function overWs(target: Target, headers: unknown): Promise<unknown[]> {
  const ws = await startWs(engine());
  const client = await TestClient.open(ws.url);
  try {
    const answer = await client.request({ id: 'h', endpoint: target.url, method: target.method, headers, body: target.body });
    const final = answer.final as { type: string; status: number; code?: string; message?: string };
    return [final.type, final.status, final.code, final.message];
  } finally {
    await client.close();
    await ws.close();
  }
}

for (const target of TARGETS) {
  for (const [label, headers] of BAD) {
    test(`${label}, ${target.label}: direct and inject answer 400 INVALID_HEADER with WebSocket's message, in the dialect's error shape`, async () => {
      const [type, status, code, message] = await overWs(target, headers);
      assert.equal([type, status, code], ['error', 400, 'INVALID_HEADER']);
      const e = engine();
      const direct = await createDirectCaller(e)({ method: target.method, url: target.url, headers, body: target.body });
      assert.is(direct.status, status);
      assert.equal(codeAndMessage(direct.body), [code, message]);
      const injected = await e.inject({ method: target.method, url: target.url, headers, body: target.body });
      assert.is(injected.status, status);
      assert.equal(codeAndMessage(injected.json()), [code, message]);
    });
  }
}

test('a malformed value given as an array (two header lines of one name) is refused too: the lines are judged as the engine folds them', async () => {
  const headers = { 'x-a': ['ok', 'v\r\nw'] } as unknown as Record<string, string>;
  const direct = await createDirectCaller(engine())({ url: '/rest/batch', headers, body: [{ Url: 'Sessions', Method: 'POST' }] });
  assert.is(direct.status, 400);
  assert.equal(codeAndMessage(direct.body), [
    'INVALID_HEADER',
    'Header x-a has an invalid value: control characters other than tab (CR, LF, NUL, ...) are not allowed',
  ]);
});

test('a refused batch is observed as one that never ran (onBatchEnd with its status and no items)', async () => {
  const ended: Array<{ status: number; items: unknown }> = [];
  const e = createExampleEngine({
    logger: { error: () => undefined },
    onBatchEnd: (event) => ended.push({ status: event.status, items: event.items }),
  });
  const call = createDirectCaller(e);
  const refused = await call({ url: '/rest/batch', headers: { 'x-a': 'v\r\nw' }, body: [{ Url: 'Sessions', Method: 'POST' }] });
  assert.is(refused.status, 400);
  assert.equal(ended, [{ status: 400, items: undefined }]);
});

test('well-formed headers are unaffected, over direct and inject as over WebSocket: a tab and spaces in a value, an empty value, names in any case', async () => {
  const headers = { 'X-Trace': 'a b\tc', 'x-tenant': '', "X-Odd!#$%&'*+.^_`|~": 'v' };
  for (const target of TARGETS) {
    const [type, status] = await overWs(target, headers);
    assert.equal([type, status], ['response', 200], target.label);
    const e = engine();
    const direct = await createDirectCaller(e)({ method: target.method, url: target.url, headers, body: target.body });
    assert.is(direct.status, 200, target.label);
    const injected = await e.inject({ method: target.method, url: target.url, headers, body: target.body });
    assert.is(injected.status, 200, target.label);
  }
});

test('inject refuses a header value that is not text (400 INVALID_HEADER naming it) as a direct call does, where it left it out and ran', async () => {
  const e = engine();
  const headers = { 'x-tenant': 1 } as unknown as Record<string, string>;
  const injected = await e.inject({ url: '/rest/batch', headers, body: [{ Url: 'Sessions', Method: 'POST' }] });
  const direct = await createDirectCaller(e)({ url: '/rest/batch', headers, body: [{ Url: 'Sessions', Method: 'POST' }] });
  assert.is(injected.status, 400);
  assert.equal(codeAndMessage(injected.json()), [
    'INVALID_HEADER',
    'Header "x-tenant" must be text (a string or an array of strings), not number',
  ]);
  assert.equal(injected.json(), direct.body);
  const call = await e.inject({ url: '/rest/claim/v1/claims/cc:22', headers });
  assert.is(call.status, 400);
  // A Content-Type the caller names that is not text is refused too, not replaced by the JSON default.
  const typed = await e.inject({ url: '/rest/batch', headers: { 'Content-Type': 5 } as unknown as Record<string, string>, body: [] });
  assert.is(typed.status, 400);
  assert.is(codeAndMessage(typed.json())[0], 'INVALID_HEADER');
});

test('a header value that is not text: WebSocket refuses the message as not its format (400 BATCH_MALFORMED), direct answers 400 INVALID_HEADER (docs/upgrading.md)', async () => {
  const target = TARGETS[0] as Target;
  assert.equal((await overWs(target, { 'x-tenant': 1 })).slice(0, 3), ['error', 400, 'BATCH_MALFORMED']);
  const direct = await createDirectCaller(engine())({
    url: target.url,
    headers: { 'x-tenant': 1 } as unknown as Record<string, string>,
    body: target.body,
  });
  assert.equal([direct.status, codeAndMessage(direct.body)[0]], [400, 'INVALID_HEADER']);
});

test('a sub-request header holding a control character (U+0001) fails that sub-request with 400 INVALID_HEADER, as node:http refuses the same call made alone; a tab passes (RFC 9110 §5.5)', async () => {
  const answer = await createDirectCaller(engine())({
    url: '/rest/claim/v1/$batch',
    body: {
      requests: [
        { id: '1', method: 'get', url: 'claims/cc:22', headers: { 'x-a': 'v\u0001w' } },
        { id: '2', method: 'get', url: 'claims/cc:22', headers: { 'x-a': 'v\tw' } },
      ],
    },
  });
  assert.is(answer.status, 200);
  const responses = (answer.body as { responses: Array<{ id: string; status: number; body: unknown }> }).responses;
  assert.equal(
    responses.map((r) => [r.id, r.status]),
    [
      ['1', 400],
      ['2', 200],
    ],
  );
  assert.is(codeAndMessage(responses[0]?.body)[0], 'INVALID_HEADER');
});

test.run();
