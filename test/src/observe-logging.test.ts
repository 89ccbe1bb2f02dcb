import 'reflect-metadata';
import { Writable } from 'node:stream';
import { consoleLogger, fromLegacyLogger, inject, serializeError } from '@restbatch/core';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KNOWN_BATCH, observeEngine } from './support/observe-engine.js';

/** A pino logger writing JSON lines into memory. */
function memoryPino(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level }, stream) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('a pino logger receives the correlation id, the request id and the serialized error of a failed sub-request', async () => {
  const { lines, logger } = memoryPino();
  const engine = observeEngine({ logger, telemetry: false });
  const res = await inject(engine, { method: 'POST', url: '/shop/$batch', headers: { prefer: 'continue-on-error' }, body: KNOWN_BATCH });
  await flush();
  const failed = res.json<{ responses: Array<{ body: { error: { innererror?: { correlationId: string } } } }> }>().responses[1]!;
  const correlationId = failed.body.error.innererror?.correlationId;
  assert.type(correlationId, 'string');
  const error = lines.find((l) => l.msg === 'sub-request failed');
  assert.ok(error, `an error line among ${JSON.stringify(lines)}`);
  assert.is(error!.level, 50);
  assert.is(error!.correlationId, correlationId);
  assert.is(error!.index, 1);
  assert.is(error!.id, 'b');
  // pino's own err serializer folds the cause into the message and stack.
  const err = error!.err as { type: string; message: string; stack: string; code: string };
  assert.is(err.type, 'Error');
  assert.is(err.message, 'kaput: disk on fire');
  assert.is(err.code, 'EDISK');
  assert.match(err.stack, /kaput[\s\S]*disk on fire/);
  const info = lines.find((l) => l.msg === 'batch');
  assert.ok(info, 'one info line per batch');
  assert.is(lines.filter((l) => l.msg === 'batch').length, 1);
  assert.is(info!.level, 30);
  assert.is(info!.requestId, error!.requestId, 'every line of the request carries its id');
  assert.type(info!.requestId, 'string');
  assert.is(info!.endpoint, '/shop/$batch');
  assert.is(info!.dialect, 'odata');
  assert.is(info!.items, 3);
  assert.equal(info!.summary, { succeeded: 1, failed: 1, skipped: 1 });
  assert.type(info!.ms, 'number');
});

test('an incoming X-Request-Id is the request id; a failed ordinary call is logged as a call, without an index', async () => {
  const { lines, logger } = memoryPino();
  const engine = observeEngine({ logger, telemetry: false });
  const res = await inject(engine, { url: '/shop/widgets/boom', headers: { 'x-request-id': 'abc-123' } });
  await flush();
  assert.is(res.status, 500);
  assert.equal(
    lines.map((l) => [l.msg, l.requestId, 'index' in l]),
    [['call failed', 'abc-123', false]],
  );
});

test('a request id that is not a plain token is replaced by a fresh one', async () => {
  const { lines, logger } = memoryPino();
  const engine = observeEngine({ logger, telemetry: false });
  // No line break: inject refuses a header value holding one (400 INVALID_HEADER), as node:http does.
  await inject(engine, { url: '/shop/widgets/boom', headers: { 'x-request-id': 'bad id {"forged":1}' } });
  await flush();
  assert.match(String(lines[0]!.requestId), /^[0-9a-f-]{36}$/);
});

test('at level warn, pino gets no per-batch info line', async () => {
  const { lines, logger } = memoryPino('warn');
  const engine = observeEngine({ logger, telemetry: false });
  await inject(engine, { method: 'POST', url: '/shop/$batch', body: { requests: [{ id: 'a', method: 'GET', url: '/widgets/1' }] } });
  await flush();
  assert.equal(lines, []);
});

test('fromLegacyLogger adapts an old (message, fields) logger', async () => {
  const logged: Array<[string, Record<string, unknown>]> = [];
  const engine = observeEngine({
    logger: fromLegacyLogger({ error: (message, fields) => logged.push([message, fields]) }),
    telemetry: false,
  });
  await inject(engine, { url: '/shop/widgets/boom' });
  assert.is(logged.length, 1);
  assert.is(logged[0]![0], 'call failed');
  assert.is((logged[0]![1].err as { message: string }).message, 'kaput');
});

test('the console logger writes JSON lines at its level and above, or human lines', () => {
  const out: string[] = [];
  const json = consoleLogger({ level: 'info', write: (line) => out.push(line) });
  json.debug?.({ a: 1 }, 'hidden');
  json.info?.({ a: 1 }, 'shown');
  assert.is(out.length, 1);
  const entry = JSON.parse(out[0]!) as Record<string, unknown>;
  assert.equal([entry.level, entry.msg, entry.a], ['info', 'shown', 1]);
  const pretty = consoleLogger({ format: 'pretty', write: (line) => out.push(line) });
  pretty.error({ requestId: 'r1' }, 'boom');
  assert.match(out[1]!, /ERROR boom \{"requestId":"r1"\}\n$/);
});

test('serializeError gives plain JSON fields: type, message, code, stack and the cause', () => {
  const error = Object.assign(new TypeError('outer', { cause: new Error('inner') }), { code: 'E_OUTER' });
  const fields = JSON.parse(JSON.stringify(serializeError(error))) as Record<string, unknown>;
  assert.equal([fields.type, fields.message, fields.code], ['TypeError', 'outer', 'E_OUTER']);
  assert.match(String(fields.stack), /outer/);
  assert.is((fields.cause as { message: string }).message, 'inner');
  assert.is(serializeError('a string'), 'a string');
});

test.run();
