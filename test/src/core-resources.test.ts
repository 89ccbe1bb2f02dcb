import 'reflect-metadata';
import {
  createEngine,
  Delete,
  exagoApi,
  Get,
  type HandlerContext,
  Patch,
  Post,
  Put,
  Resource,
  type ResourceHandler,
  reply,
} from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { Lifecycle } from 'tsyringe';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';
import { items } from './support/exago-items.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };

/** A per-batch service: one instance per batch scope. */
class Tally {
  static made = 0;
  readonly id = ++Tally.made;
  count = 0;
}

/** An engine serving the Exago API plus `resources`, with the `Tally` service per batch. */
function engineWith(...resources: Array<ResourceHandler | (new (...args: never[]) => object)>) {
  const api = exagoApi({ configs: EXAMPLE_CONFIGS });
  const engine = createEngine({
    apis: [
      {
        ...api,
        resources: [...api.resources, ...resources],
        register: (container) => {
          api.register?.(container);
          container.register(Tally, { useClass: Tally }, { lifecycle: Lifecycle.ContainerScoped });
        },
      },
    ],
    logger: { error: () => {} },
  });
  return { engine, call: createDirectCaller(engine) };
}

const seen: HandlerContext[] = [];

@Resource('Echo')
class EchoResource {
  @Get(':a/items/:b')
  read(ctx: HandlerContext) {
    seen.push(ctx);
    return {
      params: { ...ctx.params },
      query: { ...ctx.query },
      tenant: ctx.headers['x-tenant'] ?? null,
      type: ctx.headers['content-type'] ?? null,
    };
  }

  @Post('', {
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string' },
        size: { type: 'integer', default: 3 },
        tags: { type: 'array', items: { type: 'string' }, default: [] },
      },
    },
  })
  create(ctx: HandlerContext<{ name: string; size: number; tags: string[] }>) {
    return { body: ctx.body, index: ctx.index, inBatch: ctx.inBatch, sid: ctx.session?.id ?? null, aborted: ctx.signal.aborted };
  }

  @Put(':id', { status: 200 })
  replace(ctx: HandlerContext) {
    return { replaced: ctx.params.id };
  }

  @Patch(':id')
  update() {
    return reply(202, { queued: true }, { 'x-queue': 'main' });
  }

  @Delete(':id')
  remove() {
    return undefined;
  }

  @Get('tally')
  tally(ctx: HandlerContext) {
    const tally = ctx.scope.resolve(Tally);
    tally.count++;
    return { id: tally.id, count: tally.count };
  }
}

@Resource('Accepted')
class AcceptedResource {
  @Post('', { status: 202 })
  accept() {
    return { ok: true };
  }

  @Get('empty')
  empty() {
    return reply(204);
  }

  @Get('ok')
  ok() {
    return reply(200, [1, 2]);
  }
}

test('a handler gets params, query, headers, index and session in a batch', async () => {
  seen.length = 0;
  const { call } = engineWith(EchoResource);
  const res = await call({
    url: '/rest/batch',
    headers: { 'X-Tenant': 'acme' },
    body: [SESSION, { Url: 'Echo/one/items/two%20three?x=1&x=2&y=z', Method: 'GET' }],
  });
  const out = items(res);
  assert.is(out[1]!.ReturnCode, '200');
  assert.equal(out[1]!.ResponseContent, {
    params: { a: 'one', b: 'two three' },
    query: { x: ['1', '2'], y: 'z' },
    tenant: 'acme',
    type: null,
  });
  const ctx = seen[0]!;
  assert.is(ctx.index, 1);
  assert.is(ctx.inBatch, true);
  assert.is(ctx.session?.id, out[0]!.ResponseContent.Id);
  assert.instance(ctx.signal, AbortSignal);
});

test('a handler gets the validated body with ajv defaults applied', async () => {
  const { call } = engineWith(EchoResource);
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Echo', Method: 'POST', Payload: { name: 'n' } }] });
  const out = items(res);
  assert.is(out[1]!.ReturnCode, '201');
  assert.equal(out[1]!.ResponseContent, {
    body: { name: 'n', size: 3, tags: [] },
    index: 1,
    inBatch: true,
    sid: out[0]!.ResponseContent.Id,
    aborted: false,
  });
  const bad = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Echo', Method: 'POST', Payload: { name: 'n', size: 1.5 } }] });
  assert.is(items(bad)[1]!.ReturnCode, '400');
  assert.equal((items(bad)[1]!.ResponseContent.details as { pointer: string }).pointer, '/size');
});

test('a handler called outside a batch has index -1, inBatch false and no session', async () => {
  const { call } = engineWith(EchoResource);
  const res = await call({ url: '/rest/Echo', body: { name: 'alone' } });
  assert.is(res.status, 201);
  assert.equal(res.body, { body: { name: 'alone', size: 3, tags: [] }, index: -1, inBatch: false, sid: null, aborted: false });
});

test('statuses: POST 201, a value 200, route status option, no value 204, reply() explicit', async () => {
  const { call } = engineWith(EchoResource, AcceptedResource);
  const res = await call({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Echo/a/items/b', Method: 'GET' },
      { Url: 'Echo/x', Method: 'DELETE' },
      { Url: 'Echo/x', Method: 'PATCH' },
      { Url: 'Accepted', Method: 'POST' },
      { Url: 'Accepted/empty', Method: 'GET' },
      { Url: 'Accepted/ok', Method: 'GET' },
    ],
  });
  const out = items(res);
  assert.equal(
    out.map((i) => i.ReturnCode),
    ['201', '200', '204', '202', '202', '204', '200'],
  );
  assert.equal(out[2]!.ResponseContent, { StatusCode: 204, StatusDescription: null });
  assert.equal(out[3]!.ResponseContent, { queued: true });
  assert.equal(out[4]!.ResponseContent, { ok: true });
  assert.equal(out[6]!.ResponseContent, [1, 2]);
});

test('reply() headers reach an ordinary call, and PUT routes work outside the Exago batch', async () => {
  const { call } = engineWith(EchoResource);
  const patched = await call({ method: 'PATCH', url: '/rest/Echo/7' });
  assert.is(patched.status, 202);
  assert.is(patched.headers['x-queue'], 'main');
  const put = await call({ method: 'PUT', url: '/rest/Echo/7', body: {} });
  assert.is(put.status, 200);
  assert.equal(put.body, { replaced: '7' });
});

test('the scope is a per-batch child container: a ContainerScoped service is shared within a batch only', async () => {
  const { call } = engineWith(EchoResource);
  const tally = { Url: 'Echo/tally', Method: 'GET' };
  const first = items(await call({ url: '/rest/batch', body: [SESSION, tally, tally, tally] }));
  const second = items(await call({ url: '/rest/batch', body: [SESSION, tally, tally] }));
  const ids1 = first.slice(1).map((i) => i.ResponseContent.id);
  const ids2 = second.slice(1).map((i) => i.ResponseContent.id);
  assert.equal(
    first.slice(1).map((i) => i.ResponseContent.count),
    [1, 2, 3],
  );
  assert.equal(
    second.slice(1).map((i) => i.ResponseContent.count),
    [1, 2],
  );
  assert.is(new Set(ids1).size, 1);
  assert.is(new Set(ids2).size, 1);
  assert.is.not(ids1[0], ids2[0]);
});

test('a resource with lifetime batch gets one instance per batch', async () => {
  let made = 0;
  @Resource('Counter', { lifetime: 'batch' })
  class CounterResource {
    readonly serial = ++made;
    hits = 0;
    @Get()
    hit() {
      return { serial: this.serial, hits: ++this.hits };
    }
  }
  const { call } = engineWith(CounterResource);
  const hit = { Url: 'Counter', Method: 'GET' };
  const a = items(await call({ url: '/rest/batch', body: [SESSION, hit, hit] }));
  const b = items(await call({ url: '/rest/batch', body: [SESSION, hit] }));
  assert.equal(
    a.slice(1).map((i) => i.ResponseContent.hits),
    [1, 2],
  );
  assert.equal(b[1]!.ResponseContent.hits, 1);
  assert.is.not(a[1]!.ResponseContent.serial, b[1]!.ResponseContent.serial);
});

test('a resource of engine lifetime is one instance per engine, and engines do not share it', async () => {
  @Resource('Visits')
  class VisitsResource {
    visits = 0;
    @Get()
    visit() {
      return ++this.visits;
    }
  }
  const a = engineWith(VisitsResource);
  const b = engineWith(VisitsResource);
  const visit = { Url: 'Visits', Method: 'GET' };
  assert.equal(
    items(await a.call({ url: '/rest/batch', body: [SESSION, visit, visit] }))
      .slice(1)
      .map((i) => i.ResponseContent),
    [1, 2],
  );
  assert.equal(items(await a.call({ url: '/rest/batch', body: [SESSION, visit] }))[1]!.ResponseContent, 3);
  assert.equal(items(await b.call({ url: '/rest/batch', body: [SESSION, visit] }))[1]!.ResponseContent, 1);
  const other = createDirectCaller(createEngine({ apis: [exagoApi()] }));
  assert.is(items(await other({ url: '/rest/batch', body: [SESSION, visit] }))[1]!.ReturnCode, '404');
});

test('a plain ResourceHandler object is registered like a decorated class', async () => {
  const notes: string[] = [];
  const handler: ResourceHandler = {
    name: 'Notes',
    session: 'required',
    routes: [
      { method: 'GET', path: '', handle: () => [...notes] },
      {
        method: 'POST',
        path: '',
        schema: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1 } } },
        handle: (ctx) => {
          notes.push((ctx.body as { text: string }).text);
          return reply(201, { count: notes.length });
        },
      },
      { method: 'GET', path: ':n', handle: (ctx) => notes[Number(ctx.params.n)] ?? reply(404, { missing: ctx.params.n }) },
    ],
  };
  const { call } = engineWith(handler);
  const res = await call({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Notes', Method: 'POST', Payload: { text: 'hello' } },
      { Url: 'Notes', Method: 'POST', Payload: { text: '' } },
      { Url: 'Notes', Method: 'GET' },
      { Url: 'Notes/0', Method: 'GET' },
    ],
  });
  assert.equal(
    items(res).map((i) => [i.ReturnCode, i.ResponseContent]),
    [
      ['201', items(res)[0]!.ResponseContent],
      ['201', { count: 1 }],
      ['400', items(res)[2]!.ResponseContent],
      ['200', ['hello']],
      ['200', 'hello'],
    ],
  );
  assert.is(items(res)[2]!.ResponseContent.code, 'VALIDATION_FAILED');
  const alone = await call({ method: 'GET', url: '/rest/Notes' });
  assert.is(alone.status, 401, 'session: required holds outside batches');
});

test('a route marked batchable false is refused inside a batch but works alone', async () => {
  @Resource('Admin')
  class AdminResource {
    @Get('', { batchable: false })
    read() {
      return { ok: true };
    }
  }
  const { call } = engineWith(AdminResource);
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Admin', Method: 'GET' }] });
  assert.is(items(res)[1]!.ReturnCode, '403');
  assert.is(items(res)[1]!.ResponseContent.code, 'NOT_BATCHABLE');
  assert.is((await call({ method: 'GET', url: '/rest/Admin' })).status, 200);
});

test.run();
