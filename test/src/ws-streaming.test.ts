import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED_BATCH } from './support/exago-engine.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });
const hold = (name: string) => ({ Url: `Test/Hold/${name}`, Method: 'POST' });

test('result messages arrive in index order before the final response, which matches them', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  const answer = await client.request({ id: 'seed', endpoint: '/rest/batch', body: [...SEED_BATCH, echo('a'), echo('b')] });
  const response = TestClient.response(answer);
  assert.is(response.status, 200);
  assert.equal(
    answer.results.map((r) => r.index),
    [0, 1, 2, 3, 4],
  );
  const order = client.messages.map((m) => m.type);
  assert.equal(order, ['result', 'result', 'result', 'result', 'result', 'response']);
  assert.equal(
    answer.results.map((r) => r.item),
    response.body,
  );
  const items = response.body as Array<{ ReturnCode: string }>;
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['201', '204', '201', '201', '201'],
  );
  await client.close();
  await ws.close();
});

test('an ordinary route is called through a message with a method, and the batch session works in it', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  const batch = TestClient.response(await client.request({ id: 1, endpoint: '/rest/batch', body: SEED_BATCH }));
  const sid = (batch.body as Array<{ ResponseContent: { Id: string } }>)[0]!.ResponseContent.Id;
  const answer = await client.request({ id: 2, endpoint: `/rest/Roles?sid=${sid}`, method: 'GET' });
  assert.equal(answer.results, []);
  const roles = TestClient.response(answer);
  assert.is(roles.status, 200);
  assert.equal(roles.body, [{ Id: 'MyRole', IsActive: true }]);
  await client.close();
  await ws.close();
});

test('the upgrade request headers reach sub-requests, with the message headers added', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url, { authorization: 'Bearer conn', 'x-tenant': 'acme' });
  const answer = await client.request({
    id: 'h',
    endpoint: '/rest/batch',
    headers: { 'X-Trace': 't1', 'x-tenant': 'beta' },
    body: [SESSION, { Url: 'Test/Headers', Method: 'GET' }],
  });
  const seen = (TestClient.response(answer).body as Array<{ ResponseContent: Record<string, string> }>)[1]!.ResponseContent;
  assert.is(seen.authorization, 'Bearer conn');
  assert.is(seen['x-tenant'], 'beta');
  assert.is(seen['x-trace'], 't1');
  assert.is(seen['sec-websocket-key'], undefined);
  await client.close();
  await ws.close();
});

test('a message may not set the authorization header of the connection: INVALID_HEADER 400', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url, { authorization: 'Bearer conn' });
  const answer = await client.request({
    id: 'x',
    endpoint: '/rest/batch',
    headers: { Authorization: 'Bearer other' },
    body: [SESSION, echo('a')],
  });
  assert.equal(answer.final, {
    id: 'x',
    type: 'error',
    status: 400,
    code: 'INVALID_HEADER',
    message: 'A message may not set the authorization header; it comes from the upgrade request only',
  });
  assert.equal(probe.started, []);
  await client.close();
  await ws.close();
});

test('two concurrent batches on one connection interleave without mixing their ids', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  client.send({ id: 'A', endpoint: '/rest/batch', body: [SESSION, echo('a1'), hold('a2'), echo('a3')] });
  await probe.whenStarted('a2');
  const b = await client.request({ id: 'B', endpoint: '/rest/batch', body: [SESSION, echo('b1'), echo('b2')] });
  assert.is(TestClient.response(b).status, 200);
  assert.ok(!client.messages.some((m) => m.id === 'A' && m.type === 'response'), 'A is still running when B has answered');
  probe.release('a2');
  const a = await client.answer('A');
  const names = (answer: typeof a) =>
    answer.results.slice(1).map((r) => (r.item as { ResponseContent: { name: string } }).ResponseContent.name);
  assert.equal(names(a), ['a1', 'a2', 'a3']);
  assert.equal(names(b), ['b1', 'b2']);
  const ids = client.messages.map((m) => `${m.id}:${m.type}`);
  assert.ok(ids.indexOf('B:response') < ids.indexOf('A:response'));
  assert.ok(ids.indexOf('A:result') < ids.indexOf('B:result'), 'the messages of the two batches interleave');
  await client.close();
  await ws.close();
});

test('a slow batch on one connection does not delay a fast batch on another', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  const slow = await TestClient.open(ws.url);
  const fast = await TestClient.open(ws.url);
  slow.send({ id: 'slow', endpoint: '/rest/batch', body: [SESSION, hold('s')] });
  await probe.whenStarted('s');
  const answer = await fast.request({ id: 'fast', endpoint: '/rest/batch', body: [SESSION, echo('f')] });
  assert.is(TestClient.response(answer).status, 200);
  assert.is(slow.messages.filter((m) => m.type === 'response').length, 0);
  assert.equal(probe.started, ['s', 'f']);
  probe.release('s');
  assert.is(TestClient.response(await slow.answer('slow')).status, 200);
  await Promise.all([slow.close(), fast.close()]);
  await ws.close();
});

test.run();
