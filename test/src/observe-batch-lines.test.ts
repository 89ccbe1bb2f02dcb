// docs/observability.md: "one `batch` line per batch" — a batch refused whole is a batch too. With
// LOG_FORMAT=json the example server's only record of a request is the engine's line: a refused
// batch (400, 413, 415, 429, 503, a WebSocket message refused by its headers) must leave one, with
// its status and error code, on every transport, as the human log has a line for each.
import 'reflect-metadata';
import { inject, RestBatchError } from '@restbatch/core';
import { exampleLogger, startExampleServer } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { observeEngine } from './support/observe-engine.js';
import { until } from './support/until.js';
import { TestClient } from './support/ws-test-client.js';

const BATCH = [{ Url: 'Sessions', Method: 'POST' }];

type Line = Record<string, unknown>;

/** The `batch` lines of a JSON log, as [requestId, transport, status, code, items]. */
const batchLines = (lines: Line[]) =>
  lines.filter((l) => l.msg === 'batch').map((l) => [l.requestId, l.transport, l.status, l.code, l.items, l.endpoint]);

test('with LOG_FORMAT=json the example server logs one batch line per batch, refused or run, over HTTP and WebSocket', async () => {
  const lines: Line[] = [];
  const logger = exampleLogger({ LOG_FORMAT: 'json' }, (line) => lines.push(JSON.parse(line) as Line));
  const running = await startExampleServer({ port: 0, logger });
  try {
    const post = async (id: string, body: string, type = 'application/json') => {
      const res = await fetch(`${running.url}/rest/batch`, {
        method: 'POST',
        headers: { 'content-type': type, 'x-request-id': id },
        body,
      });
      await res.text();
      return res.status;
    };
    assert.is(await post('ok', JSON.stringify(BATCH)), 200);
    assert.is(await post('empty', '[]'), 400);
    assert.is(await post('plain', JSON.stringify(BATCH), 'text/plain'), 415);
    // Refused by the HTTP transport itself, before the engine reads it.
    assert.is(await post('large', `[${' '.repeat(2 * 1024 * 1024)}]`), 413);
    const client = await TestClient.open(`${running.url.replace('http:', 'ws:')}/rest/ws`);
    const refused = await client.request({
      id: 'w',
      endpoint: '/rest/batch',
      headers: { 'x-request-id': 'ws-bad', 'x-bad': 'a\nb' },
      body: BATCH,
    });
    assert.equal([(refused.final as { code: string }).code, (refused.final as { status: number }).status], ['INVALID_HEADER', 400]);
    const ran = await client.request({ id: 'r', endpoint: '/rest/batch', headers: { 'x-request-id': 'ws-ok' }, body: BATCH });
    assert.is(TestClient.response(ran).status, 200);
    await client.close();
    await until(() => batchLines(lines).length >= 6, 'six batch lines');
    assert.equal(batchLines(lines), [
      ['ok', 'http', 200, undefined, 1, '/rest/batch'],
      ['empty', 'http', 400, 'BATCH_EMPTY', undefined, '/rest/batch'],
      ['plain', 'http', 415, 'UNSUPPORTED_MEDIA_TYPE', undefined, '/rest/batch'],
      ['large', 'http', 413, 'PAYLOAD_TOO_LARGE', undefined, '/rest/batch'],
      // The message's headers were refused, so its own x-request-id was not read.
      [batchLines(lines)[4]![0], 'ws', 400, 'INVALID_HEADER', undefined, '/rest/batch'],
      ['ws-ok', 'ws', 200, undefined, 1, '/rest/batch'],
    ]);
    for (const line of lines.filter((l) => l.msg === 'batch')) {
      assert.is(line.level, 30);
      assert.is(line.dialect, 'exago');
      assert.type(line.ms, 'number');
    }
    const wsLines = lines.filter((l) => l.msg === 'batch' && l.transport === 'ws');
    assert.ok(
      wsLines.every((l) => typeof l.connectionId === 'string'),
      'a WebSocket line names its connection',
    );
  } finally {
    await running.close();
  }
});

test('a batch refused by authentication (401), by its transport (429) or by an engine shutting down (503) has its batch line', async () => {
  const lines: Line[] = [];
  const logger = {
    error: () => undefined,
    info: (fields: object, msg?: string) => lines.push({ ...fields, msg }),
  };
  const engine = observeEngine({
    logger,
    telemetry: false,
    authenticate: (request) => {
      if (request.headers['x-request-id'] === 'stranger') throw new RestBatchError('UNAUTHORIZED', 'Who are you?');
    },
  });
  const body = { requests: [{ id: 'a', method: 'GET', url: '/widgets/1' }] };
  const send = (id: string) => inject(engine, { method: 'POST', url: '/shop/$batch', headers: { 'x-request-id': id }, body });
  assert.is((await send('first')).status, 200);
  assert.is((await send('stranger')).status, 401);
  // As the WebSocket transport refuses a message past its maxConcurrent.
  const busy = new RestBatchError('RATE_LIMITED', 'Too many requests in flight on this connection');
  const limited = engine.refuse(
    { method: 'POST', url: '/shop/$batch', headers: { 'x-request-id': 'busy' }, transport: 'ws', connectionId: 'c1' },
    busy,
  );
  assert.is(limited.status, 429);
  await engine.close();
  assert.is((await send('late')).status, 503);
  assert.equal(
    lines.map((l) => [l.msg, l.requestId, l.transport, l.status, l.code, l.items]),
    [
      ['batch', 'first', 'inject', 200, undefined, 1],
      ['batch', 'stranger', 'inject', 401, 'UNAUTHORIZED', undefined],
      ['batch', 'busy', 'ws', 429, 'RATE_LIMITED', undefined],
      ['batch', 'late', 'inject', 503, 'SHUTTING_DOWN', undefined],
    ],
  );
  assert.is(lines[2]!.connectionId, 'c1');
  // An ordinary call is no batch: it gets no batch line (only `call failed` when it fails unexpectedly).
  await inject(observeEngine({ logger, telemetry: false }), { url: '/shop/widgets/1' });
  assert.is(lines.length, 4);
});

test.run();
