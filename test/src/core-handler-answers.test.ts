// What a handler answers is checked before it counts (docs/concepts.md, "A failing or throwing
// handler affects only its own result"): a body JSON cannot write, a status or header the wire
// cannot carry, or a thrown value that cannot be read fails that sub-request alone with a logged 500
// INTERNAL; the rest of the batch runs and answers. Hop-by-hop and framing headers a handler sets are
// dropped (RFC 9112 §6.2, RFC 9110 §7.6.1).
import 'reflect-metadata';
import {
  createEngine,
  exagoApi,
  guidewireDialect,
  type Logger,
  odataDialect,
  RestBatchError,
  reply,
  type ResourceHandler,
} from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const cycle: Record<string, unknown> = { a: 1 };
cycle.self = cycle;
const hostile = new Proxy(
  {},
  {
    get() {
      throw new Error('get trap');
    },
    ownKeys() {
      throw new Error('ownKeys trap');
    },
    getPrototypeOf() {
      throw new Error('getPrototypeOf trap');
    },
  },
);

/** Handlers whose answers JSON or HTTP cannot carry, by path. */
const BAD: Record<string, () => unknown> = {
  bigint: () => ({ n: 10n }),
  cycle: () => cycle,
  toJSON: () => ({
    toJSON() {
      throw new Error('toJSON threw');
    },
  }),
  getter: () => ({
    get x() {
      throw new Error('getter threw');
    },
  }),
  proxy: () => ({ p: hostile }),
  thrownProxy: () => {
    throw hostile;
  },
  s99: () => reply(99, { x: 1 }),
  sNaN: () => reply(Number.NaN, { x: 1 }),
  s600: () => reply(600, { x: 1 }),
  s101: () => reply(101, { x: 1 }),
  badName: () => reply(200, { x: 1 }, { 'bad header': 'v' }),
  crlf: () => reply(200, { x: 1 }, { 'x-u': 'a\r\nb' }),
  nonAscii: () => reply(200, { x: 1 }, { 'content-disposition': 'attachment; filename="price-5€.pdf"' }),
  numberValue: () => reply(200, { x: 1 }, { 'x-n': 5 as unknown as string }),
  error99: () => {
    throw new RestBatchError('MY_CODE', 'status 99', { status: 99 });
  },
  error200: () => {
    throw new RestBatchError('MY_CODE', 'status 200', { status: 200 });
  },
  errorHeader: () => {
    throw new RestBatchError('NOT_FOUND', 'nf', { headers: { 'x-u': 'a\nb' } });
  },
};

function setup() {
  const logged: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const logger: Logger = {
    error: (fields: unknown, msg?: string) => logged.push({ msg: msg ?? '', fields: fields as Record<string, unknown> }),
    warn() {},
    info() {},
    debug() {},
  } as unknown as Logger;
  let after = 0;
  const H: ResourceHandler = {
    name: 'H',
    routes: [
      { method: 'GET', path: 'ok', handle: () => ({ ok: true }) },
      { method: 'GET', path: 'after', handle: () => ({ after: ++after }) },
      { method: 'GET', path: 'te', handle: () => reply(200, { x: 1 }, { 'Transfer-Encoding': 'chunked', 'x-kept': 'yes' }) },
      {
        method: 'GET',
        path: 'conn',
        handle: () => reply(200, { x: 1 }, { connection: 'close, x-private', 'x-private': 'p', 'keep-alive': 'timeout=5', upgrade: 'h2c' }),
      },
      {
        method: 'GET',
        path: 'retry',
        handle: () => Promise.reject(new RestBatchError('NOT_FOUND', 'gone', { headers: { 'Retry-After': '5' } })),
      },
      ...Object.entries(BAD).map(([path, handle]) => ({ method: 'GET' as const, path, handle })),
      // The same answers, after an await (a promise the batch loop holds).
      ...Object.entries(BAD).map(([path, handle]) => ({ method: 'GET' as const, path: `later/${path}`, handle: async () => handle() })),
    ],
  };
  const exago = exagoApi();
  const engine = createEngine({
    logger,
    apis: [
      { ...exago, resources: [...exago.resources, H] },
      {
        base: '/api',
        resources: [H],
        batch: [
          { path: 'gw', dialect: guidewireDialect() },
          { path: '$batch', dialect: odataDialect() },
        ],
      },
    ],
  });
  return { engine, logged, ran: () => after };
}

for (const path of Object.keys(BAD)) {
  for (const prefix of ['', 'later/']) {
    test(`GET ${prefix}${path}: alone and in every dialect the sub-request alone is a logged 500 INTERNAL`, async () => {
      const { engine, logged, ran } = setup();
      const alone = await engine.inject({ url: `/api/H/${prefix}${path}` });
      assert.is(alone.status, 500);
      const aloneBody = alone.json() as { errorCode: string; correlationId: string };
      assert.is(aloneBody.errorCode, 'INTERNAL');
      assert.ok(logged.some((l) => l.fields.correlationId === aloneBody.correlationId));

      // Exago: the session made first is answered (its id too), the bad item alone is 500.
      const exago = await engine.inject({
        url: '/rest/batch',
        body: [
          { Url: 'Sessions', Method: 'POST' },
          { Url: 'H/ok', Method: 'GET' },
          { Url: `H/${prefix}${path}`, Method: 'GET' },
          { Url: 'H/after', Method: 'GET' },
        ],
      });
      assert.is(exago.status, 200, exago.body);
      const items = exago.json() as Array<{ StatusCode?: number; status?: number; Body?: { Id?: string } }>;
      assert.is(items.length, 4);
      assert.match(exago.body, /"Id":"[^"]+"/);
      assert.match(exago.body, /INTERNAL/);

      // Guidewire: later calls still run.
      const gw = await engine.inject({
        url: '/api/gw',
        body: {
          requests: [
            { method: 'get', path: '/H/ok' },
            { method: 'get', path: `/H/${prefix}${path}` },
            { method: 'get', path: '/H/after' },
          ],
        },
      });
      assert.is(gw.status, 200, gw.body);
      const responses = (gw.json() as { responses: Array<{ status: number; body: unknown }> }).responses;
      assert.equal(
        responses.map((r) => r.status),
        [200, 500, 200],
      );
      assert.is((responses[1] as { body: { errorCode: string } }).body.errorCode, 'INTERNAL');

      // OData; then Guidewire's results streamed one by one (as NDJSON lines are).
      const od = await engine.inject({
        url: '/api/$batch',
        body: {
          requests: [
            { id: 'a', method: 'GET', url: '/H/ok' },
            { id: 'b', method: 'GET', url: `/H/${prefix}${path}` },
          ],
        },
      });
      assert.is(od.status, 200, od.body);
      const odata = (od.json() as { responses: Array<{ id: string; status: number }> }).responses;
      assert.equal(
        odata.map((r) => r.status),
        [200, 500],
      );
      const lines: unknown[] = [];
      const streamed = await engine.dispatch({
        method: 'POST',
        url: '/api/gw',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          requests: [
            { method: 'get', path: `/H/${prefix}${path}` },
            { method: 'get', path: '/H/after' },
          ],
        }),
        onResult: (item) => {
          lines.push(item);
        },
      });
      assert.is(streamed.status, 200);
      assert.is(lines.length, 2);
      assert.equal(streamed.summary, { succeeded: 1, failed: 1, skipped: 0 });
      assert.is(ran(), 3);
      // Each failure is logged with its correlation id and a message naming what was wrong.
      const failures = logged.filter((l) => l.msg === 'sub-request failed');
      assert.ok(failures.length >= 4, JSON.stringify(logged.map((l) => l.msg)));
      assert.not.ok(
        logged.some((l) => l.msg === 'request failed'),
        JSON.stringify(logged.map((l) => l.msg)),
      );
      for (const failure of failures) assert.type(failure.fields.correlationId, 'string');
    });
  }
}

test('the log names the request, its route and what was wrong', async () => {
  const { engine, logged } = setup();
  await engine.inject({ url: '/api/H/s99' });
  await engine.inject({
    url: '/api/gw',
    body: {
      requests: [
        { method: 'get', path: '/H/nonAscii' },
        { method: 'get', path: '/H/bigint' },
      ],
    },
  });
  await engine.inject({ url: '/api/H/error200' });
  const messages = logged.map((l) => (l.fields.err as { message: string }).message);
  assert.match(messages[0] as string, 'GET /H/s99 (route /H/s99): the handler answered status 99');
  assert.match(messages[1] as string, 'the handler answered header content-disposition with a character that is not visible ASCII');
  assert.match(messages[2] as string, 'answered a value JSON cannot write (TypeError: Do not know how to serialize a BigInt)');
  assert.match(messages[3] as string, "failed with error MY_CODE of status 200; an error's status is an integer from 400 to 599");
});

test('in an atomic batch an unwritable answer is that sub-request failing: the run rolls back', async () => {
  const { engine } = setup();
  const res = await engine.inject({
    url: '/api/$batch',
    body: {
      requests: [
        { id: 'a', atomicityGroup: 'g', method: 'GET', url: '/H/ok' },
        { id: 'b', atomicityGroup: 'g', method: 'GET', url: '/H/cycle' },
        { id: 'c', method: 'GET', url: '/H/after' },
      ],
    },
  });
  assert.is(res.status, 200, res.body);
  const statuses = (res.json() as { responses: Array<{ id: string; status: number }> }).responses.map((r) => [r.id, r.status]);
  assert.equal(statuses, [
    ['a', 424],
    ['b', 500],
    ['c', 200],
  ]);
});

test('a handler cannot set hop-by-hop or framing headers: RFC 9112 §6.2, RFC 9110 §7.6.1', async () => {
  const { engine } = setup();
  const te = await engine.inject({ url: '/api/H/te' });
  assert.is(te.status, 200);
  assert.is(te.headers['transfer-encoding'], undefined);
  assert.is(te.headers['x-kept'], 'yes');
  const conn = await engine.inject({ url: '/api/H/conn' });
  for (const name of ['connection', 'x-private', 'keep-alive', 'upgrade']) assert.is(conn.headers[name], undefined, name);
  const gw = await engine.inject({ url: '/api/gw', body: { requests: [{ method: 'get', path: '/H/te' }] } });
  const headers = (gw.json() as { responses: Array<{ headers: Record<string, string> }> }).responses[0]?.headers;
  assert.equal(headers, { 'x-kept': 'yes' });
});

test("an error's headers keep working, whatever the case of their names", async () => {
  const { engine } = setup();
  const res = await engine.inject({ url: '/api/H/retry' });
  assert.is(res.status, 404);
  assert.is(res.headers['retry-after'], '5');
});

test('createEngine refuses a route whose declared status is not 200-599', () => {
  for (const status of [99, 101, 600, Number.NaN, 200.5]) {
    assert.throws(
      () =>
        createEngine({
          apis: [{ base: '/api', resources: [{ name: 'R', routes: [{ method: 'GET', path: 'x', status, handle: () => 1 }] }] }],
        }),
      /Route GET \/R\/x: its status .* is not an integer from 200 to 599/,
      String(status),
    );
  }
  createEngine({
    apis: [{ base: '/api', resources: [{ name: 'R', routes: [{ method: 'GET', path: 'x', status: 302, handle: () => 1 }] }] }],
  });
});

test.run();
