import 'reflect-metadata';
import {
  createEngine,
  type Dialect,
  type EngineLimits,
  type EngineResponse,
  exagoApi,
  exagoDialect,
  type HandlerContext,
  JsonBody,
  Post,
  Resource,
} from '@restbatch/core';
import { createDirectCaller, type DirectRequest } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** Answers with the payload it was given, as the engine parsed it. */
@Resource('Echo')
class EchoResource {
  @Post()
  echo(ctx: HandlerContext) {
    return { body: ctx.body, keys: Object.keys((ctx.body ?? {}) as object), proto: Object.getPrototypeOf(ctx.body ?? {}) === null };
  }
}

function engineWith(limits: Partial<EngineLimits> = {}) {
  const api = exagoApi();
  const engine = createEngine({ apis: [{ ...api, resources: [...api.resources, EchoResource] }], limits, logger: { error: () => {} } });
  return { engine, call: createDirectCaller(engine) };
}

/** The same call through the direct transport (a value) and as the JSON text a wire transport sends. */
async function both(limits: Partial<EngineLimits>, request: DirectRequest): Promise<{ direct: unknown; text: unknown }> {
  const { engine, call } = engineWith(limits);
  const direct = await call(request);
  const text: EngineResponse = await engine.dispatch({
    method: request.method ?? 'POST',
    url: request.url,
    headers: { 'content-type': 'application/json', ...request.headers },
    body: JSON.stringify(request.body),
    transport: 'direct',
  });
  return {
    direct: { status: direct.status, body: direct.body },
    text: JSON.parse(JSON.stringify({ status: text.status, body: text.body })),
  };
}

const echo = (body: unknown): DirectRequest => ({ method: 'POST', url: '/rest/Echo', body });

test('a body value reaches the handler exactly as its JSON text would', async () => {
  const body = {
    n: -0,
    nan: Number.NaN,
    gone: undefined,
    when: new Date(0),
    list: [undefined, () => 1, 'a'],
    nested: { a: [1, { b: null }] },
  };
  const { direct, text } = await both({}, echo(body));
  assert.equal(direct, text);
  assert.equal((direct as { body: { body: unknown } }).body.body, JSON.parse(JSON.stringify(body)));
});

test('a body nested deeper than the limit is refused with 400 JSON_TOO_DEEP at the position of its text', async () => {
  const { direct, text } = await both({ maxDepth: 3 }, echo({ a: { b: { c: { d: 1 } } } }));
  assert.equal(direct, text);
  const res = direct as { status: number; body: { code: string; details: { position: number } } };
  assert.is(res.status, 400);
  assert.is(res.body.code, 'JSON_TOO_DEEP');
  assert.is(res.body.details.position, 15);
});

test('a string whose escapes take it over the limit is refused with 400 STRING_TOO_LONG', async () => {
  // 30 quotes are 30 characters as a value but 60 in the text, which the limit counts.
  const { direct, text } = await both({ maxStringLength: 40 }, echo({ s: '"'.repeat(30) }));
  assert.equal(direct, text);
  const res = direct as { status: number; body: { code: string } };
  assert.is(res.status, 400);
  assert.is(res.body.code, 'STRING_TOO_LONG');
});

test('a body whose text is over the byte limit is refused with 413 PAYLOAD_TOO_LARGE counting its UTF-8 bytes', async () => {
  const body = { s: 'é'.repeat(300) };
  const { direct, text } = await both({ maxBodyBytes: 500 }, echo(body));
  assert.equal(direct, text);
  const res = direct as { status: number; body: { code: string; reason?: string } };
  assert.is(res.status, 413);
  assert.is(res.body.code, 'PAYLOAD_TOO_LARGE');
  assert.ok(JSON.stringify(res.body).includes(`${Buffer.byteLength(JSON.stringify(body))} bytes`));
});

test('a body just within the byte limit is accepted, however many strings it holds', async () => {
  const body = { list: Array.from({ length: 60 }, (_, i) => `v${i}`) };
  const size = Buffer.byteLength(JSON.stringify(body));
  const { direct, text } = await both({ maxBodyBytes: size }, echo(body));
  assert.equal(direct, text);
  assert.is((direct as { status: number }).status, 201);
});

test('a large body with escapes and non-ASCII text is judged against the byte limit exactly as its text, on both sides of the limit', async () => {
  // Past a quarter of the limit the copy scans its strings: both ways of counting meet at the edge.
  const body = { list: Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `é"${i}\n` : i % 3 === 1 ? `plain ${i}` : `tab\t${i}`)) };
  const size = Buffer.byteLength(JSON.stringify(body));
  for (const limit of [size - 1, size, size + 1, size * 2]) {
    const { direct, text } = await both({ maxBodyBytes: limit }, echo(body));
    assert.equal(direct, text);
    assert.is((direct as { status: number }).status, limit < size ? 413 : 201, `limit ${limit} for ${size} bytes`);
  }
});

test('a large body whose items repeat keys, some with escapes or non-ASCII text, is judged against the byte limit exactly as its text', () => {
  // Past a quarter of the limit the copy counts each key exactly: keys repeat in every item, a plain
  // key and an escaped one of the same length take turns, and escaped keys repeat.
  const body = {
    same: Array.from({ length: 400 }, (_, i) => ({ '\u0001\u0001\u0001\u0001\u0001\u0001\u0001\u0001': i, 'é\n': 'x', plain: true })),
    mixed: Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? { ab: i, 'é\n': 'x' } : { 'a"': i, cd: 'y', [`k${i % 7}`]: 0 })),
  };
  const size = Buffer.byteLength(JSON.stringify(body));
  const judged = (limit: number) =>
    (JsonBody.of(body, limit) as JsonBody).within({ maxBodyBytes: limit, maxDepth: 64, maxStringLength: 1 << 16 });
  assert.is(typeof judged(size - 1), 'symbol', 'one byte over the limit: not within');
  assert.equal(judged(size), body);
  assert.equal(judged(size + 1), body);
});

test('__proto__ and constructor.prototype keys are removed as the parser removes them', async () => {
  const body = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "kept": 1}');
  const { direct, text } = await both({}, echo(body));
  assert.equal(direct, text);
  assert.equal((direct as { body: { keys: string[] } }).body.keys, ['kept']);
  assert.is(({} as { polluted?: boolean }).polluted, undefined);
});

test('a body value with a Content-Type that is not JSON is refused with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
  const { call } = engineWith();
  const res = await call({ method: 'POST', url: '/rest/Echo', body: { a: 1 }, headers: { 'content-type': 'text/plain' } });
  assert.is(res.status, 415);
  assert.is((res.body as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE');
});

test('a batch given as a value runs as its JSON text does', async () => {
  const batch = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Roles', Method: 'POST', Payload: { Id: 'R1', IsActive: true } },
    { Url: 'Roles/R1', Method: 'GET' },
    { Url: 'Roles/R1', Method: 'PATCH', Payload: { IsActive: 'no' } },
  ];
  const { direct, text } = await both({}, { url: '/rest/batch', body: batch });
  const codes = (r: unknown) => ((r as { body: Array<{ ReturnCode: string }> }).body ?? []).map((i) => i.ReturnCode);
  assert.equal(codes(direct), ['201', '201', '200', '400']);
  assert.equal(codes(direct), codes(text));
});

test('the engine takes a JsonBody once and keeps no copy in it; text read before the engine took it stays readable', async () => {
  const { engine } = engineWith();
  const limits = { maxBodyBytes: 1 << 20, maxDepth: 64, maxStringLength: 1 << 16 };
  const send = (body: JsonBody) =>
    engine.dispatch({ method: 'POST', url: '/rest/batch', headers: { 'content-type': 'application/json' }, body, transport: 'direct' });
  const calls = [{ Url: 'Sessions', Method: 'POST' }];
  const taken = JsonBody.of(calls) as JsonBody;
  assert.equal(taken.within(limits), calls);
  assert.is((await send(taken)).status, 200);
  // Handed over: the body holds nothing more, and says so instead of inventing a text.
  assert.is(typeof taken.within(limits), 'symbol');
  assert.is(typeof taken.take(limits), 'symbol');
  assert.throws(() => taken.text, /taken/);
  const read = JsonBody.of(calls) as JsonBody;
  const text = read.text;
  assert.is((await send(read)).status, 200);
  assert.is(read.text, text);
});

test('a dialect whose sub-requests are frozen keeps their payloads: the batch runs as with any other', async () => {
  // The executor lets go of each payload once its sub-request ran; a frozen sub-request keeps it instead.
  const frozen: Dialect = {
    ...exagoDialect,
    decode(body, context) {
      const batch = exagoDialect.decode(body, context);
      for (const sub of batch.requests) Object.freeze(sub);
      return batch;
    },
  };
  const api = exagoApi();
  const engine = createEngine({ apis: [{ ...api, batch: (api.batch ?? []).map((endpoint) => ({ ...endpoint, dialect: frozen })) }] });
  const res = await createDirectCaller(engine)({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'A' } },
      { Url: 'Roles/A', Method: 'PATCH', Payload: { IsActive: false } },
      { Url: 'Roles/A', Method: 'GET' },
    ],
  });
  assert.is(res.status, 200);
  assert.equal(
    (res.body as Array<{ ReturnCode: string }>).map((item) => item.ReturnCode),
    ['201', '201', '204', '200'],
  );
  assert.equal((res.body as Array<{ ResponseContent: unknown }>)[3]?.ResponseContent, { Id: 'A', IsActive: false });
});

test.run();
