// A status or header node:http or fetch refuses (here a custom dialect's summary header with a line
// break, which the engine does not check: only handlers' answers are) is logged and answered 500
// INTERNAL with a correlation id: the node handler never drops the connection without a word, and
// the fetch handler's promise never rejects.
import 'reflect-metadata';
import { createEngine, type Dialect, guidewireDialect, type Logger } from '@restbatch/core';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';

function setup() {
  const logged: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const logger = {
    error: (fields: unknown, msg?: string) => logged.push({ msg: msg ?? '', fields: fields as Record<string, unknown> }),
    warn() {},
    info() {},
    debug() {},
  } as unknown as Logger;
  const base = guidewireDialect();
  const dialect: Dialect = { ...base, headers: () => ({ 'x-summary': 'a\r\nb' }) };
  const engine = createEngine({
    logger,
    apis: [
      {
        base: '/api',
        resources: [{ name: 'H', routes: [{ method: 'GET', path: 'ok', handle: () => ({ ok: true }) }] }],
        batch: [{ path: 'batch', dialect }],
      },
    ],
  });
  return { engine, logged };
}

const BODY = JSON.stringify({ requests: [{ method: 'get', path: '/H/ok' }] });

test('node:http: a header node refuses is logged and answered 500 INTERNAL, the connection kept', async () => {
  const { engine, logged } = setup();
  const s = await listen(createHttpHandler(engine));
  try {
    const res = await fetch(`${s.url}/api/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    assert.is(res.status, 500);
    const body = (await res.json()) as { errorCode: string; correlationId: string };
    assert.is(body.errorCode, 'INTERNAL');
    const line = logged.find((l) => l.msg === 'writing the answer failed');
    assert.ok(line, JSON.stringify(logged));
    assert.is(line?.fields.correlationId, body.correlationId);
    // The server still answers on.
    assert.is((await fetch(`${s.url}/api/H/ok`)).status, 200);
  } finally {
    await s.close();
  }
});

test('fetch handler: a header Response refuses is logged and answered 500 INTERNAL, not a rejection', async () => {
  const { engine, logged } = setup();
  const handle = createFetchHandler(engine);
  const res = await handle(
    new Request('http://x/api/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY }),
  );
  assert.is(res.status, 500);
  const body = (await res.json()) as { errorCode: string; correlationId: string };
  assert.is(body.errorCode, 'INTERNAL');
  assert.is(logged.find((l) => l.msg === 'writing the answer failed')?.fields.correlationId, body.correlationId);
});

test.run();
