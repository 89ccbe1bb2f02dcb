// The typed client's WebSocket transport asks for `"response": "summary"` (docs/websocket.md): a
// batch's items come only as they stream, the final response holds none of them again, and the
// transport answers the counts of its restbatch-summary header.
import { createClient, type Transport, wsTransport } from '@restbatch/client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { startWs } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const echo = (name: string) => ({ Url: `Test/Echo/${name}`, Method: 'POST' });
const missing = { Url: 'Nowhere/at/all', Method: 'GET' };

/** A `ws` client that records what it sends and every message it receives, as text. */
function recordingSocket(sent: string[], received: string[]) {
  return class Recording extends WebSocket {
    constructor(url: string) {
      super(url);
      this.on('message', (data) => received.push(String(data)));
    }
    override send(data: string): void {
      sent.push(data);
      super.send(data);
    }
  };
}

/** A transport to a fresh engine's WebSocket, recording the messages both ways. */
async function withTransport(body: (transport: Transport, sent: string[], received: string[]) => Promise<void>): Promise<void> {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  const sent: string[] = [];
  const received: string[] = [];
  const transport = wsTransport({ url: ws.url, WebSocket: recordingSocket(sent, received) as never });
  try {
    await body(transport, sent, received);
  } finally {
    await transport.close?.();
    await ws.close();
  }
}

const finals = (received: readonly string[]) =>
  received.map((text) => JSON.parse(text) as { type: string; body?: unknown }).filter((m) => m.type === 'response');

test('a batch asks for "response": "summary": its items stream to onItem, the response has no body, and the answer carries the header counts', async () => {
  await withTransport(async (transport, sent, received) => {
    const seen: Array<[number, string]> = [];
    const response = await transport.send({
      method: 'POST',
      url: '/rest/batch',
      headers: {},
      body: [SESSION, echo('a'), missing],
      onItem: (item, index) => seen.push([index, (item as { ReturnCode: string }).ReturnCode]),
    });
    assert.is(JSON.parse(sent[0] as string).response, 'summary');
    assert.is(response.status, 200);
    assert.is(response.body, undefined);
    assert.equal(response.summary, { succeeded: 2, failed: 1, skipped: 0 });
    assert.equal(seen, [
      [0, '201'],
      [1, '201'],
      [2, '404'],
    ]);
    const [final] = finals(received);
    assert.is(final !== undefined && 'body' in final, false, 'the response message holds no body');
  });
});

test('an ordinary call does not ask for it, and answers its body', async () => {
  await withTransport(async (transport, sent) => {
    const response = await transport.send({ method: 'POST', url: '/rest/Test/Echo/plain', headers: {}, body: {} });
    assert.is(JSON.parse(sent[0] as string).response, undefined);
    assert.is(response.status, 201);
    assert.equal(response.body, { name: 'plain' });
    assert.is(response.summary, undefined);
  });
});

test('a batch refused whole answers its error body and no summary', async () => {
  await withTransport(async (transport) => {
    const response = await transport.send({ method: 'POST', url: '/rest/batch', headers: {}, body: { not: 'a batch' }, onItem: () => {} });
    assert.is(response.status, 400);
    assert.match(JSON.stringify(response.body), /BATCH_MALFORMED/);
    assert.is(response.summary, undefined);
  });
});

test('through createClient: an explicit batch gets every result from the stream, and its replay (nothing streamed) from the kept body', async () => {
  await withTransport(async (transport, _sent, received) => {
    const c = createClient({ transport, endpoints: { '/rest/batch': 'exago' } });
    const send = () =>
      c.batch(
        (b) => {
          const loose = b as unknown as Record<string, (path: string) => unknown>;
          loose.POST!('/rest/Sessions');
          loose.POST!('/rest/Test/Echo/a');
          loose.GET!('/rest/Nowhere/at/all');
        },
        { idempotencyKey: 'summary-key' },
      );
    const first = await send();
    assert.equal(
      first.results.map((r) => r.status),
      [201, 201, 404],
    );
    assert.equal(first.summary, { succeeded: 2, failed: 1, skipped: 0 });
    const replay = await send();
    assert.equal(
      replay.results.map((r) => r.status),
      [201, 201, 404],
    );
    assert.equal(replay.summary, first.summary);
    assert.equal(replay.results[1]!.data, first.results[1]!.data);
    const [one, two] = finals(received);
    assert.is(one !== undefined && 'body' in one, false, 'the first response holds no body');
    assert.ok(Array.isArray(two?.body), 'the replay answers its kept body');
  });
});

test.run();
