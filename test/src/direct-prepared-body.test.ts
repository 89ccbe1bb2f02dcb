import 'reflect-metadata';
import {
  createEngine,
  type EngineLimits,
  type EngineOptions,
  exagoApi,
  exagoDialect,
  type HandlerContext,
  JsonBody,
  Post,
  PreparedBody,
  Resource,
  RestBatchError,
} from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SESSION = { Url: 'Sessions', Method: 'POST' };

/** Answers with the payload it was given, as the engine parsed it. */
@Resource('Echo')
class EchoResource {
  @Post()
  echo(ctx: HandlerContext) {
    return { body: ctx.body };
  }

  @Post('query')
  query(ctx: HandlerContext) {
    return { query: { ...ctx.query } };
  }
}

function engineWith(limits: Partial<EngineLimits> = {}, options: Partial<EngineOptions> = {}) {
  const api = exagoApi();
  const engine = createEngine({
    apis: [{ ...api, resources: [...api.resources, EchoResource] }],
    limits,
    logger: { error: () => {} },
    ...options,
  });
  return { engine, call: createDirectCaller(engine) };
}

/** What two answers must share: every item but the session's (its id is fresh each time). */
function comparable(res: { status: number; body: unknown }) {
  return { status: res.status, body: Array.isArray(res.body) ? res.body.slice(1) : res.body };
}

/** The answer of the same batch sent as JSON text, as a wire transport sends it. */
async function asText(limits: Partial<EngineLimits>, body: unknown, url = '/rest/batch') {
  const { engine } = engineWith(limits);
  const res = await engine.dispatch({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    transport: 'direct',
  });
  return JSON.parse(JSON.stringify(comparable(res)));
}

test('a batch of the Exago dialect is decoded when the body is prepared, and answers as its JSON text does', async () => {
  const { engine, call } = engineWith();
  const batch = [SESSION, { Url: 'Echo', Method: 'POST', Payload: { n: -0, nan: Number.NaN, gone: undefined, list: [undefined, 'a'] } }];
  assert.ok(engine.prepareBody('/rest/batch', {}, batch) instanceof PreparedBody);
  const res = await call({ url: '/rest/batch', body: batch });
  assert.equal(comparable(res), await asText({}, batch));
  assert.equal((res.body as Array<{ ResponseContent: { body: unknown } }>)[1].ResponseContent.body, { n: 0, nan: null, list: [null, 'a'] });
});

test('the caller changing its calls and payloads after preparing reaches neither the engine nor the answer', async () => {
  const { engine } = engineWith();
  const payload = { name: 'first', tags: ['a'] };
  const batch = [SESSION, { Url: 'Echo', Method: 'POST', Payload: payload }];
  const body = engine.prepareBody('/rest/batch', {}, batch);
  payload.name = 'changed';
  payload.tags.push('b');
  batch[1].Url = 'Nothing';
  const res = await engine.dispatch({ method: 'POST', url: '/rest/batch', body, transport: 'direct' });
  const echoed = (res.body as Array<{ ResponseContent: { body: { name: string; tags: string[] } } }>)[1].ResponseContent.body;
  assert.equal(echoed, { name: 'first', tags: ['a'] });
  echoed.tags.push('c');
  assert.equal(payload.tags, ['a', 'b']);
});

test('a member JSON drops is no member of a prepared call: a GET with an undefined Payload runs', async () => {
  const { engine, call } = engineWith();
  const batch = [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 'R1' } }, { Url: 'Roles/R1', Method: 'GET', Payload: undefined }];
  assert.ok(engine.prepareBody('/rest/batch', {}, batch) instanceof PreparedBody);
  const res = await call({ url: '/rest/batch', body: batch });
  assert.equal(
    (res.body as Array<{ ReturnCode: string }>).map((item) => item.ReturnCode),
    ['201', '201', '200'],
  );
});

// A prepared batch with no `$` in a copied string or a decoded query value skips the references
// pre-pass: every other batch must still find each reference, escape and forward reference that its
// JSON text holds.
test('a prepared batch whose strings hold references, escapes or a %24 answers as its JSON text does', async () => {
  const echo = (payload: unknown) => ({ Url: 'Echo', Method: 'POST', Payload: payload });
  const cases: Array<{ url?: string; batch: unknown[]; status: number; code?: string }> = [
    // A reference deep in a payload, in an array of objects.
    { batch: [SESSION, echo({ a: 'x' }), echo({ list: [{ ref: '${1/body/body/a}' }, 'plain'] })], status: 200 },
    // A `$ref:` reference is the value itself (its type kept), `$$ref:` its literal text; `${...}` in a string is rendered.
    {
      batch: [SESSION, echo({ n: 5 }), echo({ whole: '$ref:1/body/body/n', part: 'n=${1/body/body/n}', escaped: '$$ref:1' })],
      status: 200,
    },
    // A reference in a Url's path, and a payload that is a string holding one.
    {
      batch: [
        SESSION,
        { Url: 'Roles', Method: 'POST', Payload: { Id: 'R1' } },
        { Url: 'Roles/${1/body/Id}', Method: 'GET' },
        echo('${1/body/Id}'),
      ],
      status: 200,
    },
    // An escape: `$${` is a literal `${`.
    { batch: [SESSION, echo({ literal: '$${not a reference}' })], status: 200 },
    // A reference in a Url's query, percent-encoded: the query decodes it.
    { batch: [SESSION, echo({ a: 'x' }), { Url: 'Echo/query?q=%24%7B1%2Fbody%2Fbody%2Fa%7D', Method: 'POST' }], status: 200 },
    // A repeated query name: the reference is in its second value.
    { batch: [SESSION, echo({ a: 'x' }), { Url: 'Echo/query?q=a&q=%24%7B1%2Fbody%2Fbody%2Fa%7D', Method: 'POST' }], status: 200 },
    // A `%` elsewhere in a Url, and in a payload, with no reference at all.
    { batch: [SESSION, { Url: 'Echo/query?q=100%25', Method: 'POST' }, echo({ p: '50%' })], status: 200 },
    // A forward reference rejects the whole batch.
    { batch: [SESSION, echo({ ref: '${2/body}' }), echo({ a: 1 })], status: 400, code: 'REFERENCE_INVALID' },
    // An unclosed reference rejects it too.
    { batch: [SESSION, echo({ ref: 'x ${1/body' })], status: 400, code: 'REFERENCE_INVALID' },
    // The batch URL's own query reaches the first call (Exago's config), `$` and all: a reference
    // there names no earlier call (without the pre-pass it would be an unknown configuration).
    { url: '/rest/batch?config=${x}', batch: [SESSION, echo({ a: 1 })], status: 400, code: 'REFERENCE_INVALID' },
  ];
  for (const { url = '/rest/batch', batch, status, code } of cases) {
    const { engine, call } = engineWith();
    assert.ok(engine.prepareBody(url, {}, batch) instanceof PreparedBody, JSON.stringify(batch));
    const res = await call({ url, body: batch });
    assert.equal(comparable(res), await asText({}, batch, url), JSON.stringify(batch));
    assert.is(res.status, status, JSON.stringify(batch));
    if (code !== undefined) assert.is((res.body as { code?: string }).code, code, JSON.stringify(batch));
  }
  // What the references resolved to, read once to be sure the answers compared above hold them.
  const { call } = engineWith();
  const res = await call({ url: '/rest/batch', body: cases[1]?.batch });
  assert.equal((res.body as Array<{ ResponseContent: unknown }>)[2]?.ResponseContent, {
    body: { whole: 5, part: 'n=5', escaped: '$ref:1' },
  });
  const query = await call({ url: '/rest/batch', body: cases[4]?.batch });
  assert.equal((query.body as Array<{ ResponseContent: unknown }>)[2]?.ResponseContent, { query: { q: 'x' } });
  const repeated = await call({ url: '/rest/batch', body: cases[5]?.batch });
  assert.equal((repeated.body as Array<{ ResponseContent: unknown }>)[2]?.ResponseContent, { query: { q: ['a', 'x'] } });
});

// Past a quarter of the body limit the copy scans each string for its exact size, and looks for a
// `$` in the same pass: a reference anywhere in such a string, before or after a character JSON
// escapes, must still be found.
test('a large prepared batch (its strings scanned) finds a reference before or after an escaped character', async () => {
  const echo = (payload: unknown) => ({ Url: 'Echo', Method: 'POST', Payload: payload });
  // About 1500 calls of 100-character strings: the copy's cheap bound passes 256 KB within the first 500.
  const pad = Array.from({ length: 1500 }, (_, i) => echo({ pad: `${i}`.padEnd(100, 'x') }));
  const cases: unknown[][] = [
    [SESSION, echo({ a: 'x' }), ...pad, echo({ ref: 'é ${1/body/body/a}' })],
    [SESSION, echo({ a: 'x' }), ...pad, echo({ ref: '${1/body/body/a} é "quoted"' })],
    [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 'R1' } }, ...pad, { Url: 'Roles/${1/body/Id}', Method: 'GET' }],
    [SESSION, echo({ a: 'x' }), ...pad, echo('tab\t ${1/body/body/a}')],
    // No `$` anywhere, characters JSON escapes in several strings.
    [SESSION, echo({ a: 'é "x" \\' }), ...pad, echo({ b: 'ü' })],
  ];
  for (const batch of cases) {
    const { engine, call } = engineWith();
    assert.ok(engine.prepareBody('/rest/batch', {}, batch) instanceof PreparedBody, 'prepared, not copied');
    const res = await call({ url: '/rest/batch', body: batch });
    assert.is(res.status, 200);
    assert.equal(comparable(res), await asText({}, batch), JSON.stringify(batch.at(-1)));
  }
  const { call } = engineWith();
  const answered = async (batch: unknown[]) =>
    ((await call({ url: '/rest/batch', body: batch })).body as Array<{ ResponseContent: unknown }>).at(-1)?.ResponseContent;
  assert.equal(await answered(cases[0]!), { body: { ref: 'é x' } });
  assert.equal(await answered(cases[1]!), { body: { ref: 'x é "quoted"' } });
  assert.equal(await answered(cases[2]!), { Id: 'R1', IsActive: true });
  assert.equal(await answered(cases[3]!), { body: 'tab\t x' });
  // The same pass counts the string's exact size: one that holds a `$` and characters JSON writes in
  // more than one byte each, large enough that a count of one byte each would take the body under
  // the limit. One byte over the limit is refused as its text is; at the limit it is taken.
  const big = [SESSION, ...pad, echo({ text: `$${'é'.repeat(300_000)}` })];
  const size = Buffer.byteLength(JSON.stringify(big));
  for (const limit of [size - 1, size]) {
    const limits = { maxBodyBytes: limit, maxStringLength: 4_000_000 };
    const res = await engineWith(limits).call({ url: '/rest/batch', body: big });
    assert.equal(comparable(res), await asText(limits, big), `limit ${limit} for ${size} bytes`);
    assert.is(res.status, limit < size ? 413 : 200, `limit ${limit} for ${size} bytes`);
  }
});

test('a malformed batch gets the copy and answers the same code and message as its text', async () => {
  const { engine, call } = engineWith();
  for (const batch of [[SESSION, { Url: '/Roles', Method: 'GET' }], [SESSION, { Url: 'Roles', Method: 'GET', Payload: [] }], [], {}]) {
    assert.ok(engine.prepareBody('/rest/batch', {}, batch) instanceof JsonBody);
    const res = await call({ url: '/rest/batch', body: batch });
    assert.equal(comparable(res), await asText({}, batch));
    assert.is(res.status, 400);
  }
});

test('a malformed batch from a caller that fails authentication is answered 401, as admission comes first', async () => {
  const authenticate = () => {
    throw new RestBatchError('UNAUTHORIZED', 'A bearer token is required');
  };
  const { call } = engineWith({}, { authenticate });
  const res = await call({ url: '/rest/batch', body: [{ Url: '/Roles', Method: 'GET' }] });
  assert.is(res.status, 401);
  assert.is((res.body as { code: string }).code, 'UNAUTHORIZED');
});

test('a prepared batch is judged against the body limits as its whole JSON text, envelope included', async () => {
  // The payloads alone are far within the limit; the calls' keys and Urls take the text over it.
  const batch = [SESSION, ...Array.from({ length: 40 }, (_, i) => ({ Url: 'Echo', Method: 'POST', Payload: { i } }))];
  const size = Buffer.byteLength(JSON.stringify(batch));
  for (const limit of [size - 1, size]) {
    const { call } = engineWith({ maxBodyBytes: limit });
    const res = await call({ url: '/rest/batch', body: batch });
    assert.equal(comparable(res), await asText({ maxBodyBytes: limit }, batch));
    assert.is(res.status, limit < size ? 413 : 200, `limit ${limit} for ${size} bytes`);
  }
  const deep = [SESSION, { Url: 'Echo', Method: 'POST', Payload: { a: { b: { c: 1 } } } }];
  const { call } = engineWith({ maxDepth: 4 });
  const res = await call({ url: '/rest/batch', body: deep });
  assert.equal(comparable(res), await asText({ maxDepth: 4 }, deep));
  assert.is((res.body as { code: string }).code, 'JSON_TOO_DEEP');
});

test('a call object JSON writes by its own rules (a class instance, a toJSON) gets the copy and runs as its text', async () => {
  class Call {
    Url = 'Echo';
    Method = 'POST';
    Payload = { made: 'by a class' };
  }
  const withToJson = { Url: 'Nowhere', Method: 'GET', toJSON: () => ({ Url: 'Echo', Method: 'POST', Payload: { via: 'toJSON' } }) };
  const { engine, call } = engineWith();
  const batch = [SESSION, new Call(), withToJson];
  assert.ok(engine.prepareBody('/rest/batch', {}, batch) instanceof JsonBody);
  const res = await call({ url: '/rest/batch', body: batch });
  assert.equal(comparable(res), await asText({}, batch));
  assert.equal(
    (res.body as Array<{ ReturnCode: string }>).map((item) => item.ReturnCode),
    ['201', '201', '201'],
  );
});

test('a batch sent with an Idempotency-Key gets the copy, whose text the guard keeps', () => {
  const { engine } = engineWith();
  assert.ok(engine.prepareBody('/rest/batch', { 'Idempotency-Key': 'k1' }, [SESSION]) instanceof JsonBody);
  assert.ok(engine.prepareBody('/rest/batch', {}, [SESSION]) instanceof PreparedBody);
});

test('an ordinary call, or a path with no API, gets the copy', () => {
  const { engine } = engineWith();
  assert.ok(engine.prepareBody('/rest/Echo', {}, { a: 1 }) instanceof JsonBody);
  assert.ok(engine.prepareBody('/elsewhere', {}, [SESSION]) instanceof JsonBody);
  assert.is(engine.prepareBody('/rest/batch', {}, undefined), undefined);
});

test('a prepared body is read once, by the URL it was prepared for', async () => {
  const { engine } = engineWith();
  const body = engine.prepareBody('/rest/batch', {}, [SESSION]);
  const elsewhere = await engine.dispatch({ method: 'POST', url: '/rest/batch?onFail=stop', body, transport: 'direct' });
  assert.is(elsewhere.status, 500);
  const again = engine.prepareBody('/rest/batch', {}, [SESSION]);
  assert.is((await engine.dispatch({ method: 'POST', url: '/rest/batch', body: again, transport: 'direct' })).status, 200);
  assert.is((await engine.dispatch({ method: 'POST', url: '/rest/batch', body: again, transport: 'direct' })).status, 500);
});

test('a dialect made by spreading Exago and replacing decode does not inherit the one-pass decoder: its own decode runs', async () => {
  const api = exagoApi();
  let decoded = 0;
  const dialect = {
    ...exagoDialect,
    decode: (body: unknown, context: Parameters<typeof exagoDialect.decode>[1]) => {
      decoded++;
      return exagoDialect.decode(body, context);
    },
  };
  const engine = createEngine({
    apis: [{ ...api, batch: api.batch?.map((endpoint) => ({ ...endpoint, dialect })) }],
    logger: { error: () => {} },
  });
  assert.ok(engine.prepareBody('/rest/batch', {}, [SESSION]) instanceof JsonBody);
  const res = await createDirectCaller(engine)({ url: '/rest/batch', body: [SESSION] });
  assert.is(res.status, 200);
  assert.is(decoded, 1);
});

test.run();
