import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  createEngine,
  defineErrorCodes,
  type EngineOptions,
  ERROR_CODES,
  exagoApi,
  Get,
  JsonBody,
  MemoryRateLimiter,
  MemorySessionStore,
  Resource,
  type ResourceHandler,
  type RouteDefinition,
  SETUP_ERROR_CODES,
  type SetupErrorCode,
  withCode,
} from '@restbatch/core';
import { restbatch } from '@restbatch/fastify';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { RedisRateLimiter, RedisSessionStore } from '@restbatch/redis';
import { attachWebSocket } from '@restbatch/ws';
import Fastify from 'fastify';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { useRedis } from './support/redis-server.js';

type ErrorClass = typeof Error | typeof RangeError | typeof TypeError;

/** The error `run` throws (or its promise rejects with). */
async function caught(run: () => unknown): Promise<Error & { code?: unknown }> {
  try {
    await run();
  } catch (error) {
    return error as Error & { code?: unknown };
  }
  throw new Error('expected a throw');
}

/**
 * Asserts that `run` throws an error of exactly `kind` (a `RangeError` stays one: the code is added,
 * the class is not changed), with `message`, carrying `code` on `error.code`.
 */
async function throwsCoded(run: () => unknown, kind: ErrorClass, message: RegExp, code: SetupErrorCode): Promise<void> {
  const error = await caught(run);
  assert.instance(error, kind);
  assert.is(Object.getPrototypeOf(error), kind.prototype, `${error.name}, not ${kind.name}`);
  assert.is(error.name, kind.name);
  assert.match(error.message, message);
  assert.is(error.code, code, error.message);
}

const handle = () => ({ ok: true });

/** An engine serving `resources` under /api. */
function engineOf(resources: EngineOptions['apis'][number]['resources'], options: Partial<EngineOptions> = {}) {
  return createEngine({ apis: [{ base: '/api', resources }], logger: { error: () => {} }, ...options });
}

/** An engine serving one resource `Things` with one route made of `route`. */
function engineWithRoute(route: Partial<RouteDefinition>, resource: Partial<ResourceHandler> = {}) {
  return engineOf([{ name: 'Things', routes: [{ method: 'GET', path: '', handle, ...route } as RouteDefinition], ...resource }]);
}

const test = suite('set-up and misuse errors carry a stable error.code, their class and message unchanged');

test('withCode keeps the error itself: its class, message, stack and cause', () => {
  const cause = new Error('inner');
  const error = new RangeError('out of range', { cause });
  const stack = error.stack;
  const coded = withCode(error, 'INVALID_OPTIONS');
  assert.is(coded, error);
  assert.is(coded.code, 'INVALID_OPTIONS');
  assert.is(coded.message, 'out of range');
  assert.is(coded.stack, stack);
  assert.is(coded.cause, cause);
  assert.instance(coded, RangeError);
});

test('INVALID_OPTIONS: createEngine limits out of range stay RangeErrors', async () => {
  const limits = (given: object) => () => engineOf([{ name: 'Things', routes: [{ method: 'GET', path: '', handle }] }], { limits: given });
  await throwsCoded(
    limits({ maxResultDepth: 0 }),
    RangeError,
    /^limits\.maxResultDepth must be a whole number from 1 to/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(limits({ maxResultBytes: -1 }), RangeError, /^limits\.maxResultBytes must be/, 'INVALID_OPTIONS');
  await throwsCoded(
    limits({ maxResultBytesInFlight: 1, maxResultBytes: 2 }),
    RangeError,
    /^limits\.maxResultBytesInFlight/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(limits({ maxInputBytesInFlight: Number.NaN }), RangeError, /^limits\.maxInputBytesInFlight/, 'INVALID_OPTIONS');
  await throwsCoded(
    limits({ maxReferences: 0 }),
    RangeError,
    /^limits\.maxReferences must be a whole number of at least 1/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(limits({ maxSessionsPerCaller: 0.5 }), RangeError, /^limits\.maxSessionsPerCaller must be/, 'INVALID_OPTIONS');
  await throwsCoded(limits({ rollbackTimeoutMs: -1 }), RangeError, /^limits\.rollbackTimeoutMs must be a number of ms/, 'INVALID_OPTIONS');
});

test('INVALID_OPTIONS: a format that is neither a RegExp nor a function stays a TypeError', async () => {
  await throwsCoded(
    () => engineOf([{ name: 'Things', routes: [{ method: 'GET', path: '', handle }] }], { formats: { sku: 'ABC' as never } }),
    TypeError,
    /^formats\.sku must be a RegExp or a function/,
    'INVALID_OPTIONS',
  );
});

test('INVALID_OPTIONS: idempotency asked of a store without record methods', async () => {
  const memory = new MemorySessionStore();
  // The memory store's methods, but not its record ones.
  const store = Object.assign(Object.create(memory) as MemorySessionStore, {
    putRecordIfAbsent: undefined,
    setRecord: undefined,
    getRecord: undefined,
    deleteRecord: undefined,
  });
  await throwsCoded(
    () => engineOf([{ name: 'Things', routes: [{ method: 'GET', path: '', handle }] }], { store, idempotency: {} }),
    Error,
    /^idempotency needs a session store with the record methods/,
    'INVALID_OPTIONS',
  );
});

test('INVALID_OPTIONS: the memory store, the rate limiter and exagoApi', async () => {
  await throwsCoded(
    () => new MemorySessionStore({ maxBytes: 0 }),
    RangeError,
    /^maxBytes must be a whole number of at least 1/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => new MemorySessionStore({ maxSessionBytes: Number.NaN }),
    RangeError,
    /^maxSessionBytes must be/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => new MemoryRateLimiter({ limit: 0 }),
    Error,
    /^MemoryRateLimiter needs a positive limit and windowMs$/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => exagoApi({ configs: { Sales: {} } }),
    Error,
    /default configuration "default" is not among the configs/,
    'INVALID_OPTIONS',
  );
});

test('INVALID_OPTIONS: the HTTP handlers, the WebSocket transport and the Fastify plugin', async () => {
  const engine = engineOf([{ name: 'Things', routes: [{ method: 'GET', path: '', handle }] }]);
  const bad = /^writeTimeoutMs must be a non-negative number of ms, not -1$/;
  await throwsCoded(() => createHttpHandler(engine, { writeTimeoutMs: -1 }), Error, bad, 'INVALID_OPTIONS');
  await throwsCoded(() => createFetchHandler(engine, { writeTimeoutMs: -1 }), Error, bad, 'INVALID_OPTIONS');
  const server = createServer();
  await throwsCoded(
    () => attachWebSocket(engine, { server, path: 'ws' }),
    Error,
    /^WebSocket path "ws" must start with \/$/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => attachWebSocket(engine, { server, maxConcurrent: 0 }),
    Error,
    /^maxConcurrent must be a positive number/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => attachWebSocket(engine, { server, subprotocols: ['a b'] }),
    Error,
    /^subprotocols holds "a b", not a token$/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => attachWebSocket(engine, { server, allowedOrigins: [''] }),
    Error,
    /^allowedOrigins holds "", not an origin$/,
    'INVALID_OPTIONS',
  );
  const first = attachWebSocket(engine, { server, path: '/ws' });
  try {
    await throwsCoded(
      () => attachWebSocket(engine, { server, path: '/ws' }),
      Error,
      /already serves \/ws on this server$/,
      'INVALID_OPTIONS',
    );
  } finally {
    await first.close();
  }
  const app = Fastify();
  try {
    app.register(restbatch, { engine, prefix: '/v1' });
    await throwsCoded(
      () => app.ready(),
      Error,
      /registered with the prefix \/v1, but no API base of the engine is under it/,
      'INVALID_OPTIONS',
    );
  } finally {
    await app.close();
  }
});

test('INVALID_OPTIONS: the Redis store and rate limiter check their options before connecting', async () => {
  await throwsCoded(
    () => new RedisSessionStore({}),
    Error,
    /^Redis: give exactly one of client, url, cluster or sentinel$/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => new RedisSessionStore({ cluster: { nodes: ['nohost'] } }),
    Error,
    /^Redis cluster node must be host:port, got "nohost"$/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => new RedisSessionStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 1000, writeDeadlineMs: 1000 }),
    RangeError,
    /^writeDeadlineMs must be above 0 and below the command timeout/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => new RedisSessionStore({ url: 'redis://127.0.0.1:1', maxSessionBytes: 0 }),
    RangeError,
    /^maxSessionBytes must be a whole number of at least 1/,
    'INVALID_OPTIONS',
  );
  await throwsCoded(
    () => new RedisRateLimiter({ url: 'redis://127.0.0.1:1', limit: -1 }),
    Error,
    /^RedisRateLimiter needs a positive limit and windowMs$/,
    'INVALID_OPTIONS',
  );
});

test('INVALID_API: a base mounted twice, a base without /, a batch endpoint declared twice', async () => {
  await throwsCoded(() => createEngine({ apis: [exagoApi(), exagoApi()] }), Error, /^API base \/rest is mounted twice$/, 'INVALID_API');
  await throwsCoded(
    () => createEngine({ apis: [{ base: 'api', resources: [] }] }),
    Error,
    /^API base "api" must start with \/$/,
    'INVALID_API',
  );
  const api = exagoApi();
  await throwsCoded(
    () => createEngine({ apis: [{ ...api, batch: [...(api.batch ?? []), ...(api.batch ?? [])] }] }),
    Error,
    /^Batch endpoint \/rest\/batch is declared twice$/,
    'INVALID_API',
  );
});

test('INVALID_RESOURCE: not decorated, no routes, registered twice, a bad name, a bad session, no type information', async () => {
  class Plain {
    @Get()
    read() {}
  }
  await throwsCoded(() => engineOf([Plain]), Error, /^Class Plain is not decorated with @Resource$/, 'INVALID_RESOURCE');
  @Resource('Empty')
  class Empty {}
  await throwsCoded(() => engineOf([Empty]), Error, /^Resource Empty \(Empty\) has no routes$/, 'INVALID_RESOURCE');
  const things = { name: 'Things', routes: [{ method: 'GET' as const, path: '', handle }] };
  await throwsCoded(() => engineOf([things, things]), Error, /^Resource Things is registered twice$/, 'INVALID_RESOURCE');
  await throwsCoded(() => engineOf([{ ...things, name: 'bad name' }]), Error, /^Invalid resource name "bad name"/, 'INVALID_RESOURCE');
  await throwsCoded(
    () => engineWithRoute({}, { session: 'requird' as never }),
    Error,
    /^Resource Things: session must be 'required', 'optional' or 'none', not "requird"$/,
    'INVALID_RESOURCE',
  );
  // As tsx or esbuild compile it: decorators applied, no `design:paramtypes`.
  class Service {}
  class Todos {
    constructor(readonly service: Service) {}
    list() {}
  }
  Get('')(Todos.prototype, 'list', Object.getOwnPropertyDescriptor(Todos.prototype, 'list')!);
  Resource('todos')(Todos);
  await throwsCoded(() => engineOf([Todos]), Error, /^Resource class Todos cannot be constructed/, 'INVALID_RESOURCE');
});

test('INVALID_ROUTE: method, handler, path, status, session, "not a method", query and header docs', async () => {
  await throwsCoded(
    () => engineWithRoute({ method: 'TRACE' as never }),
    Error,
    /^Resource Things: unsupported method TRACE$/,
    'INVALID_ROUTE',
  );
  await throwsCoded(
    () => engineWithRoute({ handle: undefined as never }),
    Error,
    /^Resource Things: route GET {2}has no handler$/,
    'INVALID_ROUTE',
  );
  await throwsCoded(
    () => engineWithRoute({ path: 'a/../b' }),
    Error,
    /^Resource Things: bad path "a\/..\/b" \(segment "\.\."\)$/,
    'INVALID_ROUTE',
  );
  await throwsCoded(() => engineWithRoute({ status: 99 }), Error, /^Route GET \/Things: /, 'INVALID_ROUTE');
  await throwsCoded(
    () => engineWithRoute({ session: 'always' as never }),
    Error,
    /^Route GET \/Things: session must be 'required', 'optional' or 'none', not "always"$/,
    'INVALID_ROUTE',
  );
  await throwsCoded(
    () => engineWithRoute({ query: { '': {} } }),
    Error,
    /^Route GET \/Things: a query parameter needs a name$/,
    'INVALID_ROUTE',
  );
  await throwsCoded(() => engineWithRoute({ headers: { 'x y': {} } }), Error, /header "x y" is not a header name/, 'INVALID_ROUTE');
  await throwsCoded(
    () => engineWithRoute({ headers: { Accept: {} } }),
    Error,
    /header Accept cannot be documented as a parameter/,
    'INVALID_ROUTE',
  );
  await throwsCoded(() => engineWithRoute({ headers: { 'X-A': {}, 'x-a': {} } }), Error, /header x-a is named twice/, 'INVALID_ROUTE');
  @Resource('Fields')
  class Fields {
    declare read: unknown;
  }
  Get('')(Fields.prototype, 'read', {});
  await throwsCoded(() => engineOf([Fields]), Error, /^Resource Fields \(Fields\): route GET {2}is not a method$/, 'INVALID_ROUTE');
});

test('INVALID_SCHEMA: a payload, response, query or header schema that does not compile', async () => {
  const bad = { type: 'object', propertees: {} };
  await throwsCoded(() => engineWithRoute({ schema: bad }), Error, /^Invalid JSON schema for GET \/Things: .*propertees/, 'INVALID_SCHEMA');
  await throwsCoded(
    () => engineWithRoute({ response: bad }),
    Error,
    /^Invalid JSON schema for the response of GET \/Things/,
    'INVALID_SCHEMA',
  );
  await throwsCoded(
    () => engineWithRoute({ query: { q: { schema: bad } } }),
    Error,
    /^Invalid JSON schema for the query parameter q/,
    'INVALID_SCHEMA',
  );
  await throwsCoded(
    () => engineWithRoute({ headers: { 'X-Tenant': { schema: bad } } }),
    Error,
    /^Invalid JSON schema for the header X-Tenant/,
    'INVALID_SCHEMA',
  );
  await throwsCoded(
    () => engineWithRoute({ schema: { type: 'string', format: 'no-such-format' } }),
    Error,
    /^Invalid JSON schema for GET \/Things: .*no-such-format/,
    'INVALID_SCHEMA',
  );
});

test('INVALID_ERROR_CODE: createEngine codes and defineErrorCodes', async () => {
  const codes = (table: Record<string, number>) => () => engineOf([], { codes: table });
  await throwsCoded(codes({ outOfStock: 409 }), Error, /^Error code "outOfStock" must be upper case/, 'INVALID_ERROR_CODE');
  await throwsCoded(codes({ NOT_FOUND: 410 }), Error, /^Error code NOT_FOUND is built in/, 'INVALID_ERROR_CODE');
  await throwsCoded(
    () => defineErrorCodes({ OUT_OF_STOCK: 200 }),
    Error,
    /^Error code OUT_OF_STOCK needs an error status/,
    'INVALID_ERROR_CODE',
  );
});

test('BODY_MISUSED: a JsonBody read after its value was taken, a PreparedBody sent twice', async () => {
  const engine = createEngine({ apis: [exagoApi()], logger: { error: () => {} } });
  const body = JsonBody.of({ a: 1 })!;
  body.take(engine.limits);
  await throwsCoded(() => body.text, Error, /^JsonBody: its value was taken; read its text before taking it$/, 'BODY_MISUSED');

  const logged: unknown[] = [];
  const logging = createEngine({ apis: [exagoApi()], logger: { error: (fields: unknown) => logged.push(fields) } });
  const prepared = logging.prepareBody('/rest/batch', {}, [{ Url: 'Sessions', Method: 'POST' }]);
  const send = () => logging.dispatch({ method: 'POST', url: '/rest/batch', headers: {}, body: prepared, transport: 'direct' });
  assert.is((await send()).status, 200);
  // The second sending is the transport's bug: the client gets 500 INTERNAL, the logger the coded error.
  assert.is((await send()).status, 500);
  const err = (logged.at(-1) as { err: { type: string; message: string; code: unknown } }).err;
  assert.equal([err.type, err.code], ['Error', 'BODY_MISUSED']);
  assert.match(err.message, /^PreparedBody: a prepared body is read once; prepare one per request$/);
});

test('ROUTE_CONFLICT: the route table and the router share the helper', async () => {
  await throwsCoded(
    () =>
      engineOf([
        {
          name: 'Things',
          routes: [
            { method: 'GET', path: ':id', handle },
            { method: 'GET', path: ':key', handle },
          ],
        },
      ]),
    Error,
    /^Duplicate route GET \/Things\/:key$/,
    'ROUTE_CONFLICT',
  );
});

test('the set-up codes are none of the codes sent to clients', () => {
  for (const code of SETUP_ERROR_CODES) assert.not.ok((ERROR_CODES as readonly string[]).includes(code), code);
});

test('docs/errors.md "When the engine is created" lists exactly the set-up codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## When the engine is created'));
  const rows = section
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells.length === 4 && /^`[A-Z_]+`$/.test(cells[1]!))
    .map((cells) => cells[1]!.replace(/`/g, ''));
  assert.equal([...rows].sort(), [...SETUP_ERROR_CODES].sort());
});

test.run();

const redis = suite('the Redis store record methods refuse malformed arguments with INVALID_ARGUMENT');
const { it, server, closing } = useRedis(redis);

it('a malformed namespace, owner or ttlMs', async () => {
  const store = new RedisSessionStore({ url: server().url, keyPrefix: 'setup-codes:' });
  closing(() => store.close());
  await throwsCoded(() => store.getRecord('bad namespace', 'k'), Error, /^invalid record namespace "bad namespace"$/, 'INVALID_ARGUMENT');
  await throwsCoded(
    () => store.putRecordIfAbsent('ns', 'k', 1, 60_000, { owner: 'bad owner', maxPerOwner: 1, maxRecords: 1, maxBytes: 100 }),
    Error,
    /^invalid record owner "bad owner"$/,
    'INVALID_ARGUMENT',
  );
  await throwsCoded(() => store.setRecord('ns', 'k', 1, Number.NaN), RangeError, /^record ttlMs must be a number$/, 'INVALID_ARGUMENT');
});

redis.run();
