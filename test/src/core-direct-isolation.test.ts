import 'reflect-metadata';
import {
  createEngine,
  deepFreeze,
  exagoApi,
  Get,
  type HandlerContext,
  Post,
  Reply,
  Resource,
  RestBatchError,
  snapshot,
} from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { items } from './support/exago-items.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };

const FROZEN = Object.freeze({ name: 'kept', tags: Object.freeze(['a', 'b']), inner: Object.freeze({ n: 1 }) });

/** Keeps what it is given and hands out its own state object. */
@Resource('Keeper')
class KeeperResource {
  readonly state: { kept: unknown[]; label: string } = { kept: [], label: 'original' };

  @Post()
  keep(ctx: HandlerContext) {
    this.state.kept.push(ctx.body);
    return this.state;
  }

  @Get()
  read() {
    return this.state;
  }

  /** A fresh wrapper around data frozen at every level, as a store hands out. */
  @Get('frozen')
  frozen() {
    return { wrapper: 'fresh', record: FROZEN };
  }

  @Post('relabel')
  relabel() {
    this.state.label = 'changed';
    (this.state.kept[0] as { n: number }).n = 99;
    return undefined;
  }
}

function keeperEngine() {
  const api = exagoApi();
  const engine = createEngine({ apis: [{ ...api, resources: [...api.resources, KeeperResource] }] });
  return createDirectCaller(engine);
}

test('changing the input after the call changes nothing the engine runs', async () => {
  const { call } = exagoEngine();
  const body = structuredClone(SEED_BATCH) as Array<Record<string, unknown>>;
  const pending = call({ url: '/rest/batch', body });
  (body[1]!.Payload as Record<string, unknown>).IsActive = 'not a boolean';
  body.push({ Url: 'Sessions', Method: 'POST' });
  const res = await pending;
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['201', '204', '201'],
  );
});

test('an object a handler keeps is not the caller object', async () => {
  const call = keeperEngine();
  const payload = { n: 1 };
  await call({ url: '/rest/batch', body: [SESSION, { Url: 'Keeper', Method: 'POST', Payload: payload }] });
  payload.n = 2;
  const res = await call({ method: 'GET', url: '/rest/Keeper' });
  assert.equal(res.body, { kept: [{ n: 1 }], label: 'original' });
});

test('changing a returned body changes nothing inside the engine', async () => {
  const call = keeperEngine();
  const first = await call({ method: 'GET', url: '/rest/Keeper' });
  const body = first.body as { kept: unknown[]; label: string };
  body.label = 'tampered';
  body.kept.push('injected');
  first.headers.injected = 'yes';
  const again = await call({ method: 'GET', url: '/rest/Keeper' });
  assert.equal(again.body, { kept: [], label: 'original' });
  assert.is(again.headers.injected, undefined);
});

test('the engine changing its state later changes nothing the caller already holds', async () => {
  const call = keeperEngine();
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Keeper', Method: 'POST', Payload: { n: 1 } }] });
  const held = structuredClone(res.body);
  await call({ method: 'POST', url: '/rest/Keeper/relabel' });
  assert.equal(res.body, held);
  assert.equal(items(res)[1]!.ResponseContent, { kept: [{ n: 1 }], label: 'original' });
});

test('streamed items are copies too', async () => {
  const call = keeperEngine();
  const streamed: Array<{ ReturnCode: string; ResponseContent: { label?: string } }> = [];
  const res = await call({
    url: '/rest/batch',
    body: [SESSION, { Url: 'Keeper', Method: 'GET' }],
    onResult: (item) => {
      const it = item as (typeof streamed)[number];
      streamed.push(it);
      if (it.ResponseContent.label !== undefined) it.ResponseContent.label = 'tampered';
    },
  });
  assert.is(streamed.length, 2);
  assert.is(items(res)[1]!.ResponseContent.label, 'original');
  assert.is(((await call({ method: 'GET', url: '/rest/Keeper' })).body as { label: string }).label, 'original');
});

type Streamed = { ReturnCode: string; ResponseContent: { label?: string; kept?: Array<{ copied?: string }> } };

test('a streamOnly batch answers no body; a streamed item the caller changes changes nothing the engine serves later', async () => {
  const call = keeperEngine();
  const streamed: Streamed[] = [];
  const res = await call({
    url: '/rest/batch',
    body: [SESSION, { Url: 'Keeper', Method: 'GET' }],
    streamOnly: true,
    onResult: (item) => {
      const it = item as Streamed;
      streamed.push(it);
      if (it.ResponseContent.label !== undefined) it.ResponseContent.label = 'tampered';
    },
  });
  assert.is(res.status, 200);
  assert.is(res.body, undefined);
  assert.equal(
    streamed.map((i) => i.ReturnCode),
    ['201', '200'],
  );
  assert.is(((await call({ method: 'GET', url: '/rest/Keeper' })).body as { label: string }).label, 'original');
});

test('in a streamOnly batch with references, changing a streamed item changes nothing a later reference reads', async () => {
  const call = keeperEngine();
  const streamed: Streamed[] = [];
  await call({
    url: '/rest/batch',
    body: [SESSION, { Url: 'Keeper', Method: 'GET' }, { Url: 'Keeper', Method: 'POST', Payload: { copied: '${1/body/label}' } }],
    streamOnly: true,
    onResult: (item) => {
      const it = item as Streamed;
      streamed.push(it);
      if (streamed.length === 2) it.ResponseContent.label = 'tampered';
    },
  });
  assert.is(streamed.length, 3);
  assert.equal(streamed[2]!.ResponseContent.kept, [{ copied: 'original' }]);
});

test('a streamOnly batch under an Idempotency-Key still answers its body, and its replay is what ran, whatever the caller changed', async () => {
  const call = keeperEngine();
  const send = (onResult: (item: unknown) => void) =>
    call({
      url: '/rest/batch',
      headers: { 'Idempotency-Key': 'stream-only-1' },
      body: [SESSION, { Url: 'Keeper', Method: 'GET' }],
      streamOnly: true,
      onResult,
    });
  const first = await send((item) => {
    const it = item as Streamed;
    if (it.ResponseContent.label !== undefined) it.ResponseContent.label = 'tampered';
  });
  assert.is(items(first)[1]!.ResponseContent.label, 'original');
  let replayStreamed = 0;
  const replay = await send(() => replayStreamed++);
  assert.is(replayStreamed, 0);
  assert.equal(replay.body, first.body);
  assert.is(items(replay)[1]!.ResponseContent.label, 'original');
});

test('deeply frozen data in an answer is shared, not copied; what is not frozen is still a copy', async () => {
  const call = keeperEngine();
  const streamed: Array<{ ResponseContent: { wrapper: string; record: unknown } }> = [];
  const res = await call({
    url: '/rest/batch',
    body: [SESSION, { Url: 'Keeper/frozen', Method: 'GET' }],
    onResult: (item) => streamed.push(item as (typeof streamed)[number]),
  });
  const answered = items(res)[1]!.ResponseContent as unknown as { wrapper: string; record: unknown };
  assert.equal(answered, { wrapper: 'fresh', record: { name: 'kept', tags: ['a', 'b'], inner: { n: 1 } } });
  assert.ok(answered.record === FROZEN, 'the frozen record is shared in the answer');
  const item = streamed[1]!.ResponseContent;
  assert.ok(item.record === FROZEN, 'the frozen record is shared in the streamed item');
  assert.ok(item !== answered, 'the streamed item is a copy of what is not frozen');
  item.wrapper = 'tampered';
  assert.is(answered.wrapper, 'fresh');
});

test('a frozen value is shared only when JSON would carry it unchanged, and its size is that of its JSON text', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const shared = [
    { Id: 'P1', DataType: 'String', Value: 'v', IsHidden: false, Note: null, Count: 12 },
    { list: [1, 'two', { three: [true, null] }], empty: {}, none: [] },
    Object.assign(Object.create(null), { bare: 'yes', n: 3.5 }),
  ];
  const copied = [
    { minusZero: -0 },
    { nan: Number.NaN, inf: [Number.POSITIVE_INFINITY] },
    { dropped: undefined, kept: 'k' },
    { fn: () => 1, kept: 1 },
    { point: new Point(1) },
    { date: new Date(0) },
    JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'),
    { nested: { deeper: [{ hole: undefined }] } },
    // JSON calls an array's toJSON too, at any depth.
    { list: Object.assign([1, 2], { toJSON: () => 'as text' }) },
  ];
  for (const value of shared) {
    deepFreeze(value);
    const taken = snapshot(value);
    assert.ok(taken.value === value, `shared: ${JSON.stringify(value)}`);
    assert.is(taken.size, JSON.stringify(value).length, `size of ${JSON.stringify(value)}`);
  }
  for (const value of copied) {
    deepFreeze(value);
    const taken = snapshot(value);
    assert.ok(taken.value !== value, `copied: ${JSON.stringify(value)}`);
    assert.equal(taken.value, JSON.parse(JSON.stringify(value)));
    assert.is(taken.size, JSON.stringify(value).length, `size of ${JSON.stringify(value)}`);
  }
  // Frozen at the top but not below: the top is copied, the frozen part below it is shared.
  const inner = deepFreeze({ n: 1 });
  const partly = Object.freeze({ open: { x: 1 }, inner });
  const taken = snapshot(partly);
  assert.ok(taken.value !== partly && (taken.value as { inner: unknown }).inner === inner);
  assert.is(taken.size, JSON.stringify(partly).length);
});

// A handler's own objects handed out with a 4xx answer: a shared "not found" body and shared error details.
const NOT_FOUND_BODY = { message: 'no such thing', hints: ['check the id'] };
const BUSY_DETAILS = { hints: ['retry later'] };

@Resource('Thing')
class ThingResource {
  @Get('missing')
  missing() {
    return new Reply(404, NOT_FOUND_BODY);
  }

  @Get('busy')
  busy() {
    throw new RestBatchError('CONFLICT', 'busy', { details: BUSY_DETAILS });
  }
}

function thingCaller() {
  const api = exagoApi();
  return createDirectCaller(
    createEngine({ apis: [{ ...api, resources: [...api.resources, ThingResource] }], logger: { error: () => {} } }),
  );
}

type ThingItem = { ReturnCode: string; ResponseContent: { hints?: string[]; details?: { hints: string[] } } };

for (const streamOnly of [true, false]) {
  const how = streamOnly ? 'a streamed item (streamOnly)' : 'the final answer';
  test(`a caller changing a 4xx Reply body in ${how} changes nothing the handler answers later`, async () => {
    const call = thingCaller();
    const body = [SESSION, { Url: 'Thing/missing', Method: 'GET' }];
    const tamper = (item: unknown) => (item as ThingItem).ResponseContent.hints?.push('TAMPERED');
    const first = await call({ url: '/rest/batch', body, streamOnly, onResult: streamOnly ? tamper : undefined });
    if (!streamOnly) tamper((first.body as ThingItem[])[1]);
    const other = await call({ url: '/rest/batch', body });
    assert.is((other.body as ThingItem[])[1]?.ReturnCode, '404');
    assert.equal((other.body as ThingItem[])[1]?.ResponseContent.hints, ['check the id']);
    assert.equal(NOT_FOUND_BODY.hints, ['check the id']);
  });

  test(`a caller changing an error's details in ${how} changes nothing the handler answers later`, async () => {
    const call = thingCaller();
    const body = [SESSION, { Url: 'Thing/busy', Method: 'GET' }];
    const tamper = (item: unknown) => (item as ThingItem).ResponseContent.details?.hints.push('TAMPERED');
    const first = await call({ url: '/rest/batch', body, streamOnly, onResult: streamOnly ? tamper : undefined });
    if (!streamOnly) tamper((first.body as ThingItem[])[1]);
    const other = await call({ url: '/rest/batch', body });
    assert.equal((other.body as ThingItem[])[1]?.ResponseContent.details, { hints: ['retry later'] });
    assert.equal(BUSY_DETAILS.hints, ['retry later']);
  });
}

test('raw bytes changed by the caller after the call are not seen by the engine', async () => {
  const { call } = exagoEngine();
  const bytes = new TextEncoder().encode(JSON.stringify([SESSION]));
  const pending = call({ url: '/rest/batch', raw: bytes, headers: { 'content-type': 'application/json' } });
  bytes.fill(0x20);
  const res = await pending;
  assert.is(res.status, 200);
  assert.is(items(res)[0]!.ReturnCode, '201');
});

test('the direct transport gives the same results as the engine serializes', async () => {
  const { engine, call } = exagoEngine();
  const viaDirect = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Roles/Nope', Method: 'GET' }] });
  const viaEngine = await engine.dispatch({
    method: 'POST',
    url: '/rest/batch',
    body: JSON.stringify([SESSION, { Url: 'Roles/Nope', Method: 'GET' }]),
  });
  const strip = (b: unknown) =>
    (b as Array<{ ReturnCode: string; ResponseContent: Record<string, unknown> }>).map((i) => [
      i.ReturnCode,
      Object.keys(i.ResponseContent),
    ]);
  assert.equal(strip(viaDirect.body), strip(JSON.parse(JSON.stringify(viaEngine.body))));
  assert.is(viaDirect.status, viaEngine.status);
});

test.run();
