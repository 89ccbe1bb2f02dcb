// `"response": "summary"` (docs/websocket.md): a client that reads the streamed items gets a final
// `response` with the status and headers of the batch but without its body, which would repeat
// every item; whatever streamed nothing (a refused batch, a replay, an ordinary call) keeps its body.
import 'reflect-metadata';
import { createExampleEngine } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ResultMessage, ResultsMessage, ServerMessage } from '@restbatch/ws';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { rawSocket, steady, within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });
const missing = { Url: 'Nowhere/at/all', Method: 'GET' };

/** The items streamed for `id` (result or results messages), by index. */
function streamedItems(messages: readonly ServerMessage[], id: string): Array<[number, unknown]> {
  const out: Array<[number, unknown]> = [];
  for (const m of messages) {
    if (m.id !== id) continue;
    if (m.type === 'result') out.push([(m as ResultMessage).index, (m as ResultMessage).item]);
    else if (m.type === 'results') for (const one of (m as ResultsMessage).items) out.push([one.index, one.item]);
  }
  return out;
}

/** Opens a client on a fresh engine's transport, runs `body`, and closes both. */
async function withClient(
  body: (client: TestClient) => Promise<void>,
  engineOptions: Parameters<typeof wsTestEngine>[0] = {},
): Promise<void> {
  const { engine } = wsTestEngine(engineOptions);
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  try {
    await body(client);
  } finally {
    await client.close();
    await ws.close();
  }
}

for (const results of ['each', 'grouped'] as const) {
  test(`with "response": "summary" (results "${results}") every item is streamed and the response carries status and headers, no body`, async () => {
    await withClient(async (client) => {
      // The raw text too: `body` is left out of the message, not sent as null.
      const texts: string[] = [];
      client.socket.on('message', (data) => texts.push(String(data)));
      const answer = await client.request({
        id: 's',
        endpoint: '/rest/batch',
        results,
        response: 'summary',
        body: [SESSION, echo('a'), missing, echo('b')],
      });
      const response = TestClient.response(answer);
      assert.is(response.status, 200);
      assert.is('body' in response, false);
      assert.is(response.headers['restbatch-summary'], 'succeeded=3, failed=1, skipped=0');
      const final = texts.find((t) => t.includes('"type":"response"'));
      assert.ok(final !== undefined && !final.includes('"body"'), `the response's text holds no body: ${final}`);
      const items = streamedItems(client.messages, 's');
      assert.equal(
        items.map(([index]) => index),
        [0, 1, 2, 3],
      );
      assert.equal(
        items.map(([, item]) => (item as { ReturnCode: string }).ReturnCode),
        ['201', '201', '404', '201'],
      );
    });
  });
}

test('without "response" (or with "response": "whole") nothing changes: the response repeats the streamed items as its body', async () => {
  await withClient(async (client) => {
    for (const [id, extra] of [
      ['plain', {}],
      ['whole', { response: 'whole' }],
    ] as const) {
      const answer = await client.request({ id, endpoint: '/rest/batch', results: 'grouped', body: [SESSION, echo('a')], ...extra });
      const response = TestClient.response(answer);
      assert.is(response.status, 200);
      assert.equal(
        streamedItems(client.messages, id).map(([, item]) => item),
        response.body,
      );
      assert.is((response.body as unknown[]).length, 2);
    }
  });
});

test('"response" other than "whole" or "summary": BATCH_MALFORMED 400 naming the field, and the connection stays open', async () => {
  await withClient(async (client) => {
    for (const [id, value] of [
      ['x', 'none'],
      ['y', true],
      ['z', null],
    ] as const) {
      const answer = await client.request({ id, endpoint: '/rest/batch', response: value, body: [SESSION] });
      assert.is(answer.final.type, 'error');
      assert.is((answer.final as { code?: string }).code, 'BATCH_MALFORMED');
      assert.is((answer.final as { status?: number }).status, 400);
      assert.match((answer.final as { message: string }).message, /response must be "whole" or "summary"/);
      assert.equal(streamedItems(client.messages, id), []);
    }
    const after = await client.request({ id: 'ok', endpoint: '/rest/batch', response: 'summary', body: [SESSION] });
    assert.is(TestClient.response(after).status, 200);
  });
});

test('with "response": "summary", a batch the engine refuses whole keeps its error body: BATCH_MALFORMED, 405, 413', async () => {
  await withClient(
    async (client) => {
      const malformed = TestClient.response(
        await client.request({ id: 'm', endpoint: '/rest/batch', response: 'summary', body: { not: 'a batch' } }),
      );
      assert.is(malformed.status, 400);
      assert.match(JSON.stringify(malformed.body), /BATCH_MALFORMED/);

      const method = TestClient.response(
        await client.request({ id: 'g', endpoint: '/rest/batch', method: 'PUT', response: 'summary', body: [] }),
      );
      assert.is(method.status, 405);
      assert.match(JSON.stringify(method.body), /METHOD_NOT_ALLOWED/);

      const large = TestClient.response(
        await client.request({
          id: 'l',
          endpoint: '/rest/batch',
          response: 'summary',
          body: [SESSION, { ...echo('a'), Payload: 'x'.repeat(4096) }],
        }),
      );
      assert.is(large.status, 413);
      assert.match(JSON.stringify(large.body), /PAYLOAD_TOO_LARGE/);
      for (const id of ['m', 'g', 'l']) assert.equal(streamedItems(client.messages, id), []);
    },
    { limits: { maxBodyBytes: 2048 } },
  );
});

test('with "response": "summary", an idempotent batch streams its items once without body; its replay streams nothing and answers the kept body', async () => {
  await withClient(async (client) => {
    const message = {
      endpoint: '/rest/batch',
      results: 'grouped',
      response: 'summary',
      headers: { 'idempotency-key': 'k-1' },
      body: [SESSION, echo('a')],
    };
    const first = TestClient.response(await client.request({ id: 'first', ...message }));
    assert.is(first.status, 200);
    assert.is('body' in first, false);
    assert.is(first.headers['idempotent-replayed'], undefined);
    const items = streamedItems(client.messages, 'first').map(([, item]) => item);
    assert.is(items.length, 2);

    const replay = TestClient.response(await client.request({ id: 'again', ...message }));
    assert.is(replay.status, 200);
    assert.is(replay.headers['idempotent-replayed'], 'true');
    assert.is(replay.headers['restbatch-summary'], first.headers['restbatch-summary']);
    assert.equal(streamedItems(client.messages, 'again'), []);
    assert.equal(replay.body, items);
  });
});

test('with "response": "summary", an ordinary call answers its body as before (nothing is streamed for it)', async () => {
  await withClient(async (client) => {
    const answer = await client.request({ id: 'c', endpoint: '/rest/Test/Echo/plain', method: 'POST', response: 'summary', body: {} });
    const response = TestClient.response(answer);
    assert.is(response.status, 201);
    assert.equal(response.body, { name: 'plain' });
    assert.equal(streamedItems(client.messages, 'c'), []);
  });
});

test('with "response": "summary", backpressure still holds the batch, and its results stay charged until its response went out', async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine, { highWaterMark: 64 * 1024, drainTimeoutMs: 30_000 });
  const client = await TestClient.open(ws.url);
  const count = 100;
  try {
    rawSocket(client.socket).pause();
    client.send({
      id: 'big',
      endpoint: '/rest/batch',
      results: 'grouped',
      response: 'summary',
      body: [SESSION, ...Array.from({ length: count }, () => ({ Url: 'Test/Big/256', Method: 'GET' }))],
    });
    const ran = await steady(() => probe.bigCalls, 'the handler count');
    assert.ok(ran < count, `only part of the batch ran while the client was not reading (${ran} of ${count})`);
    assert.is(engine.running, 1, 'the batch is waiting, not finished');
    assert.ok(engine.resultBytesInFlight > 0, 'the streamed results are charged while they wait to be read');
    rawSocket(client.socket).resume();
    const answer = await within(client.answer('big'), 'the answer after the client reads again', 20_000);
    const response = TestClient.response(answer);
    assert.is('body' in response, false);
    assert.is(response.headers['restbatch-summary'], `succeeded=${count + 1}, failed=0, skipped=0`);
    assert.is(streamedItems(client.messages, 'big').length, count + 1);
    await until(() => engine.resultBytesInFlight === 0, 'the results are given back');
  } finally {
    await client.close();
    await ws.close();
  }
});

test('with "response": "summary", an OData batch of no request streamed nothing and answers its empty body (Protocol §11.7: 200)', async () => {
  const engine = createExampleEngine({});
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url);
  try {
    const answer = await client.request({
      id: 'e',
      endpoint: '/rest/claim/v1/$batch',
      method: 'POST',
      headers: { 'odata-version': '4.01' },
      response: 'summary',
      body: { requests: [] },
    });
    const response = TestClient.response(answer);
    assert.is(response.status, 200);
    assert.equal((response.body as { responses?: unknown }).responses, []);
    assert.equal(streamedItems(client.messages, 'e'), []);
  } finally {
    await client.close();
    await ws.close();
    await engine.close();
  }
});

test.run();
