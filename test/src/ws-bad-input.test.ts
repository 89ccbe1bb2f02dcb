import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });
const hold = (name: string) => ({ Url: `Test/Hold/${name}`, Method: 'POST' });

/** Sends one frame and waits for the next error message. */
async function errorFor(client: TestClient, frame: unknown): Promise<unknown> {
  const before = client.messages.length;
  client.send(frame);
  await client.next((m) => client.messages.indexOf(m) >= before && m.type === 'error');
  return client.messages.slice(before).find((m) => m.type === 'error');
}

test('a message over maxPayload closes the connection with 1009 and the server stays up', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { maxPayload: 1024 });
  const client = await TestClient.open(ws.url);
  client.send(JSON.stringify({ id: 'big', endpoint: '/rest/batch', body: [SESSION], pad: 'x'.repeat(2000) }));
  assert.is((await client.closed).code, 1009);
  const next = await TestClient.open(ws.url);
  assert.is(TestClient.response(await next.request({ id: 1, endpoint: '/rest/batch', body: [SESSION] })).status, 200);
  await next.close();
  await ws.close();
});

test('a body over the engine limit but within maxPayload gets the engine answer 413 PAYLOAD_TOO_LARGE', async () => {
  const { engine } = wsTestEngine({ limits: { maxBodyBytes: 100 } });
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  const response = TestClient.response(
    await client.request({
      id: 'p',
      endpoint: '/rest/batch',
      body: [SESSION, { Url: 'Test/Echo/a', Method: 'POST', Payload: 'x'.repeat(200) }],
    }),
  );
  assert.is(response.status, 413);
  assert.is((response.body as { code: string }).code, 'PAYLOAD_TOO_LARGE');
  await client.close();
  await ws.close();
});

test('malformed messages get coded errors, with the id when it can be read, and the connection stays usable', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  const code = (m: unknown) => {
    const e = m as { id?: unknown; status: number; code: string };
    return [e.id, e.status, e.code];
  };
  assert.equal(code(await errorFor(client, '{"id": "a", ')), [undefined, 400, 'JSON_MALFORMED']);
  assert.equal(code(await errorFor(client, '[1, 2]')), [undefined, 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, '"text"')), [undefined, 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, { endpoint: '/rest/batch', body: [SESSION] })), [undefined, 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, { id: { x: 1 }, endpoint: '/rest/batch' })), [undefined, 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, { id: 'no-endpoint', body: [SESSION] })), ['no-endpoint', 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, { id: 'rel', endpoint: 'rest/batch', body: [SESSION] })), ['rel', 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, { id: 7, endpoint: '/rest/batch', method: 'P OST' })), [7, 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, { id: 'hdr', endpoint: '/rest/batch', headers: { a: 1 } })), ['hdr', 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, { id: 'both', endpoint: '/rest/batch', body: [], bodyText: '[]' })), [
    'both',
    400,
    'BATCH_MALFORMED',
  ]);
  assert.equal(code(await errorFor(client, { id: 'extra', endpoint: '/rest/batch', bdy: [] })), ['extra', 400, 'BATCH_MALFORMED']);
  assert.equal(code(await errorFor(client, new Uint8Array([1, 2, 3]))), [undefined, 415, 'UNSUPPORTED_MEDIA_TYPE']);
  assert.equal(probe.started, []);
  const after = await client.request({ id: 'ok', endpoint: '/rest/batch', body: [SESSION, echo('a')] });
  assert.is(TestClient.response(after).status, 200);
  await client.close();
  await ws.close();
});

test('a batch the engine rejects is a response with the dialect error body, not a transport error', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  const response = TestClient.response(await client.request({ id: 'e', endpoint: '/rest/batch', bodyText: '[{"Url": ' }));
  assert.is(response.status, 400);
  assert.is((response.body as { code: string }).code, 'JSON_MALFORMED');
  const notPost = TestClient.response(await client.request({ id: 'g', endpoint: '/rest/batch', method: 'GET' }));
  assert.is(notPost.status, 405);
  assert.is((notPost.body as { code: string }).code, 'METHOD_NOT_ALLOWED');
  await client.close();
  await ws.close();
});

test('the single-quoted body of the seed curl example runs when sent as bodyText', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  const text = "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]";
  const response = TestClient.response(await client.request({ id: 'q', endpoint: '/rest/batch', bodyText: text }));
  assert.equal(
    (response.body as Array<{ ReturnCode: string }>).map((i) => i.ReturnCode),
    ['201', '204'],
  );
  await client.close();
  await ws.close();
});

test('requests over the per-connection limit get RATE_LIMITED 429 and run once a slot is free', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { maxConcurrent: 1 });
  const client = await TestClient.open(ws.url);
  client.send({ id: 'A', endpoint: '/rest/batch', body: [SESSION, hold('a')] });
  await probe.whenStarted('a');
  const limited = await client.request({ id: 'B', endpoint: '/rest/batch', body: [SESSION, echo('b')] });
  assert.equal(limited.final, {
    id: 'B',
    type: 'error',
    status: 429,
    code: 'RATE_LIMITED',
    message: 'At most 1 requests may run at once on one connection',
  });
  assert.equal(probe.started, ['a']);
  probe.release('a');
  assert.is(TestClient.response(await client.answer('A')).status, 200);
  const again = await client.request({ id: 'B2', endpoint: '/rest/batch', body: [SESSION, echo('b')] });
  assert.is(TestClient.response(again).status, 200);
  await client.close();
  await ws.close();
});

test('an id already used by a running request on the connection is refused with ID_IN_USE, not an error a client would take for that request’s end; the running request goes on', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  client.send({ id: 'same', endpoint: '/rest/batch', body: [SESSION, hold('a'), echo('after')] });
  await probe.whenStarted('a');
  const dup = await errorFor(client, { id: 'same', endpoint: '/rest/batch', body: [SESSION, echo('b')] });
  // BATCH_MALFORMED with the running request's id read as that request's final message (a refused batch).
  assert.equal(dup, {
    id: 'same',
    type: 'error',
    status: 409,
    code: 'ID_IN_USE',
    message: 'id "same" is already in use by a running request on this connection; this message was not run, and that request goes on',
  });
  probe.release('a');
  const done = await client.next((m) => m.id === 'same' && m.type === 'response');
  assert.is((done as { status: number }).status, 200);
  assert.is((done as { body: unknown[] }).body.length, 3, 'the running request ran to its end');
  const results = client.messages.filter((m) => m.id === 'same' && m.type === 'result').map((m) => (m as { index: number }).index);
  assert.equal(results, [0, 1, 2], 'with every result');
  assert.equal(probe.started, ['a', 'after'], 'the refused message ran nothing');
  await client.close();
  await ws.close();
});

test('an upgrade to another path is refused with 404 when no other listener takes it', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const error = await TestClient.open(ws.url.replace('/rest/ws', '/other')).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(String(error?.message), /404/);
  await ws.close();
});

test.run();
