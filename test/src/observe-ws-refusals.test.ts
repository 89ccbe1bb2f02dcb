import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BatchEndEvent } from '@restbatch/core';
import type { ErrorMessage } from '@restbatch/ws';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const hold = (name: string) => ({ id: name, endpoint: '/rest/batch', body: [SESSION, { Url: `Test/Hold/${name}`, Method: 'POST' }] });

test("the WebSocket transport's refusals of a request are observed as the other transports' are: one onBatchEnd each, items undefined", async () => {
  const ends: BatchEndEvent[] = [];
  const { engine, probe } = wsTestEngine({ onBatchEnd: (e) => ends.push(e) });
  const ws = await startWs(engine, { maxConcurrent: 1 });
  try {
    const client = await TestClient.open(ws.url);
    const error = async (message: { id: string } & Record<string, unknown>) => (await client.request(message)).final as ErrorMessage;
    const refused: ErrorMessage[] = [];

    client.send(hold('h1'));
    await probe.whenStarted('h1');
    refused.push(await error(hold('h1')));
    refused.push(await error({ id: 'other', endpoint: '/rest/batch', body: [SESSION] }));
    probe.release('h1');
    // Its answer comes after the refusal of the same id.
    const ran = await client.next((m) => m.id === 'h1' && m.type === 'response');
    assert.is((ran as { status: number }).status, 200);

    refused.push(await error({ id: 'syntax', endpoint: '/rest/batch', headers: { 'x-bad': 'a\nb' }, body: [SESSION] }));
    refused.push(await error({ id: 'protected', endpoint: '/rest/batch', headers: { authorization: 'Bearer other' }, body: [SESSION] }));
    refused.push(await error({ id: 'large', endpoint: '/rest/batch', headers: { 'x-big': 'x'.repeat(20_000) }, body: [SESSION] }));

    // Not a request at all: answered, not observed (there is no method or endpoint to observe).
    client.send('not json');
    await client.next((m) => m.type === 'error' && m.id === undefined);

    const last = client.request(hold('h2'));
    await probe.whenStarted('h2');
    const closing = ws.transport.close();
    refused.push(await error({ id: 'late', endpoint: '/rest/batch', body: [SESSION] }));
    probe.release('h2');
    assert.is(TestClient.response(await last).status, 200);
    await closing;

    assert.equal(
      refused.map((m) => [m.id, m.code, m.status]),
      [
        ['h1', 'ID_IN_USE', 409],
        ['other', 'RATE_LIMITED', 429],
        ['syntax', 'INVALID_HEADER', 400],
        ['protected', 'INVALID_HEADER', 400],
        ['large', 'HEADERS_TOO_LARGE', 431],
        ['late', 'SHUTTING_DOWN', 503],
      ],
    );
    const observed = ends.filter((end) => end.items === undefined);
    assert.equal(
      observed.map((end) => end.status),
      refused.map((m) => m.status),
    );
    for (const end of observed) {
      assert.is(end.transport, 'ws');
      assert.is(end.endpoint, '/rest/batch');
      assert.is(end.method, 'POST');
      assert.is(end.summary, undefined);
    }
    assert.is(ends.length, refused.length + 2, 'the two batches that ran are observed too, and nothing else');
  } finally {
    await ws.close();
  }
});

test.run();
