import 'reflect-metadata';
import { createEngine, exagoApi, Get, RestBatchError, Resource } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';
import { errorBody, items } from './support/exago-items.js';

const SECRET = 'postgres://admin:hunter2@db.internal/prod';
const SESSION = { Url: 'Sessions', Method: 'POST' };

@Resource('Faulty')
class FaultyResource {
  @Get('throws')
  throws(): never {
    throw new Error(`connection to ${SECRET} refused`);
  }

  @Get('rejects')
  async rejects(): Promise<never> {
    await Promise.resolve();
    throw new TypeError(`cannot read ${SECRET}`);
  }

  @Get('string')
  throwsString(): never {
    throw SECRET;
  }

  @Get('coded')
  coded(): never {
    throw new RestBatchError('CONFLICT', 'The widget is locked');
  }

  @Get('ok')
  ok() {
    return { ok: true };
  }
}

function faultyEngine() {
  const logged: Array<Record<string, unknown>> = [];
  const api = exagoApi({ configs: EXAMPLE_CONFIGS });
  const engine = createEngine({
    apis: [{ ...api, resources: [...api.resources, FaultyResource] }],
    logger: { error: (fields, message) => logged.push({ message, ...fields }) },
  });
  return { call: createDirectCaller(engine), logged };
}

test('a throwing handler is a 500 in its own slot only', async () => {
  const { call } = faultyEngine();
  const res = await call({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Faulty/ok', Method: 'GET' },
      { Url: 'Faulty/throws', Method: 'GET' },
      { Url: 'Faulty/rejects', Method: 'GET' },
      { Url: 'Faulty/ok', Method: 'GET' },
    ],
  });
  assert.is(res.status, 200);
  const out = items(res);
  assert.equal(
    out.map((i) => i.ReturnCode),
    ['201', '200', '500', '500', '200'],
  );
  assert.is(out[2]!.ResponseContent.code, 'INTERNAL');
  assert.is(out[2]!.ResponseContent.reason, 'Internal server error');
  assert.is(out[2]!.ResponseContent.stacktrace, null);
  assert.is(res.headers['restbatch-summary'], 'succeeded=3, failed=2, skipped=0');
});

test('a secret in an error message never reaches the client; a correlation id does, and the log has the real error', async () => {
  const { call, logged } = faultyEngine();
  const res = await call({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Faulty/throws', Method: 'GET' },
      { Url: 'Faulty/rejects', Method: 'GET' },
      { Url: 'Faulty/string', Method: 'GET' },
    ],
  });
  const wire = JSON.stringify(res);
  assert.not.ok(wire.includes('hunter2'), wire);
  const out = items(res);
  const ids = out.slice(1).map((i) => String(i.ResponseContent.correlationId));
  for (const id of ids) assert.match(id, /^[0-9a-f-]{36}$/);
  assert.is(new Set(ids).size, 3);
  assert.is(logged.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.is(logged[i]!.correlationId, ids[i]);
    assert.is(logged[i]!.index, i + 1);
    // Errors arrive as plain fields (message, stack), a thrown string as it is.
    const error = logged[i]!.err;
    assert.ok(JSON.stringify(error).includes('hunter2'));
    if (typeof error === 'object') assert.type((error as { stack: unknown }).stack, 'string');
  }
});

test('a secret thrown by an ordinary call stays out of the response too', async () => {
  const { call, logged } = faultyEngine();
  const res = await call({ method: 'GET', url: '/rest/Faulty/throws' });
  assert.is(res.status, 500);
  assert.not.ok(JSON.stringify(res).includes('hunter2'));
  const body = errorBody(res);
  assert.is(body.code, 'INTERNAL');
  assert.is(body.stacktrace, null);
  assert.type(body.correlationId, 'string');
  assert.is(logged[0]!.correlationId, body.correlationId);
});

test('with ShowErrorDetail on, a thrown error carries its stack trace as a string', async () => {
  const { call } = faultyEngine();
  const res = await call({
    url: '/rest/batch?config=Detailed',
    body: [SESSION, { Url: 'Faulty/throws', Method: 'GET' }, { Url: 'Faulty/coded', Method: 'GET' }],
  });
  const out = items(res);
  assert.is(out[1]!.ReturnCode, '500');
  assert.type(out[1]!.ResponseContent.stacktrace, 'string');
  assert.match(String(out[1]!.ResponseContent.stacktrace), /FaultyResource\.throws|at /);
  assert.is(out[2]!.ReturnCode, '409');
  assert.type(out[2]!.ResponseContent.stacktrace, 'string');
});

test('a coded error keeps its own status and message and is not logged', async () => {
  const { call, logged } = faultyEngine();
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Faulty/coded', Method: 'GET' }] });
  const item = items(res)[1]!;
  assert.is(item.ReturnCode, '409');
  assert.equal(item.ResponseContent, { reason: 'The widget is locked', stacktrace: null, code: 'CONFLICT' });
  assert.is(logged.length, 0);
});

test('the engine never rejects: a malformed request is a coded response', async () => {
  const { call } = faultyEngine();
  const res = await call({ url: '/rest/batch', raw: new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]) });
  assert.is(res.status, 400);
  assert.is(errorBody(res).code, 'JSON_MALFORMED');
});

test.run();
