import 'reflect-metadata';
import {
  type ApiOptions,
  type HandlerContext,
  MemorySessionStore,
  Post,
  Resource,
  type SessionStore,
  canonicalJson,
  sameJson,
} from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { items } from './support/exago-items.js';
import { exagoTestApi } from './support/atomic-exago.js';

/** Changes a parameter, the session data and the active role, then fails: what an atomic batch must undo. */
@Resource('Boom', { session: 'required' })
class BoomResource {
  @Post('')
  async boom(ctx: HandlerContext): Promise<never> {
    const session = ctx.session!;
    await session.modify('parameters', 'MyParameter', (current) => ({ ...(current as object), Value: 'boom' }));
    await session.deleteIf('meta', 'activeRole', 'MyRole');
    await session.update({ Page: 'Boom', ShowTabs: undefined });
    throw new Error('boom');
  }
}

function testApi(atomic: boolean): ApiOptions {
  return exagoTestApi([BoomResource], atomic);
}

/** Two engines sharing one memory store (as two nodes share a Redis), and a session with MyRole active and MyParameter. */
async function twoEngines(store: SessionStore = new MemorySessionStore(), atomic = false) {
  const a = exagoEngine({}, { store, apis: [testApi(atomic)] });
  const b = exagoEngine({}, { store, apis: [testApi(false)] });
  const created = await b.call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'Other', IsActive: false } },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'MyParameter', DataType: 'String', Value: '', PromptText: 'p' } },
    ],
  });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  return { a, b, sid, store };
}

test('PATCHes of different fields of one parameter sent at once through two engines on one memory store all land', async () => {
  const { a, b, sid } = await twoEngines();
  const url = `/rest/Parameters/MyParameter?sid=${sid}`;
  for (let round = 0; round < 20; round++) {
    const answers = await Promise.all([
      a.call({ method: 'PATCH', url, body: { Value: `a${round}` } }),
      b.call({ method: 'PATCH', url, body: { PromptText: `b${round}` } }),
      a.call({ method: 'PATCH', url, body: { IsHidden: round % 2 === 0 } }),
    ]);
    assert.equal(
      answers.map((res) => res.status),
      [204, 204, 204],
    );
    const read = (await b.call({ method: 'GET', url })).body as Record<string, unknown>;
    assert.equal([read.Value, read.PromptText, read.IsHidden], [`a${round}`, `b${round}`, round % 2 === 0]);
  }
});

test('PATCH Sessions/{sid} of different fields sent at once through two engines keeps every field', async () => {
  const { a, b, sid } = await twoEngines();
  const url = `/rest/Sessions/${sid}`;
  await Promise.all([
    a.call({ method: 'PATCH', url, body: { Page: 'Reports' } }),
    b.call({ method: 'PATCH', url, body: { ApiAction: 'ExecuteReport' } }),
    a.call({ method: 'PATCH', url, body: { ExportType: 'pdf' } }),
  ]);
  const read = (await b.call({ method: 'GET', url })).body as Record<string, unknown>;
  assert.equal([read.Page, read.ApiAction, read.ExportType], ['Reports', 'ExecuteReport', 'pdf']);
});

test('a PATCH whose parameter changes under it at every attempt gives up with 409 CONFLICT after 8 attempts', async () => {
  const store = new MemorySessionStore();
  const { a, sid } = await twoEngines(store);
  const compareAndSet = store.compareAndSet.bind(store);
  let attempts = 0;
  store.compareAndSet = async (id, collection, key, expected, next) => {
    attempts++;
    // Another writer lands between every read and its compare-and-set.
    await store.set(id, collection, key, { ...(expected as object), PromptText: `other ${attempts}` });
    return compareAndSet(id, collection, key, expected, next);
  };
  const res = await a.call({ method: 'PATCH', url: `/rest/Parameters/MyParameter?sid=${sid}`, body: { Value: 'mine' } });
  assert.is(res.status, 409);
  assert.is((res.body as { code: string }).code, 'CONFLICT');
  assert.is(attempts, 8);
  assert.is(((await store.get(sid, 'parameters', 'MyParameter')) as { Value: string }).Value, '');
});

test('a PATCH that misses once is merged again on the new value and keeps the other writer’s field', async () => {
  const store = new MemorySessionStore();
  const { a, sid } = await twoEngines(store);
  const compareAndSet = store.compareAndSet.bind(store);
  let attempts = 0;
  store.compareAndSet = async (id, collection, key, expected, next) => {
    if (++attempts === 1) await store.set(id, collection, key, { ...(expected as object), PromptText: 'other' });
    return compareAndSet(id, collection, key, expected, next);
  };
  const res = await a.call({ method: 'PATCH', url: `/rest/Parameters/MyParameter?sid=${sid}`, body: { Value: 'mine' } });
  assert.is(res.status, 204);
  assert.is(attempts, 2);
  const stored = (await store.get(sid, 'parameters', 'MyParameter')) as Record<string, unknown>;
  assert.equal([stored.Value, stored.PromptText], ['mine', 'other']);
});

test('deactivating a role keeps the role another engine activated between the read and the write', async () => {
  const store = new MemorySessionStore();
  const { a, b, sid } = await twoEngines(store);
  const { compareAndSet } = { compareAndSet: store.compareAndSet.bind(store) };
  store.compareAndSet = async (id, collection, ...rest) => {
    if (collection === 'meta') await b.call({ method: 'PATCH', url: `/rest/Roles/Other?sid=${sid}`, body: { IsActive: true } });
    return compareAndSet(id, collection, ...rest);
  };
  const res = await a.call({ method: 'PATCH', url: `/rest/Roles/MyRole?sid=${sid}`, body: { IsActive: false } });
  assert.is(res.status, 204);
  assert.equal((await a.call({ method: 'GET', url: `/rest/Roles?sid=${sid}` })).body, [
    { Id: 'MyRole', IsActive: false },
    { Id: 'Other', IsActive: true },
  ]);
});

test('an atomic batch that modified a parameter, deactivated a role and updated the session data rolls all three back', async () => {
  const { a, sid, store } = await twoEngines(new MemorySessionStore(), true);
  const snapshot = async () => ({
    data: await store.load(sid, 60_000),
    meta: await store.list(sid, 'meta'),
    parameters: await store.list(sid, 'parameters'),
  });
  const before = await snapshot();
  const res = await a.call({
    url: `/rest/batch?sid=${sid}`,
    body: [
      { Url: 'Parameters/MyParameter', Method: 'PATCH', Payload: { PromptText: 'changed' } },
      { Url: 'Boom', Method: 'POST' },
    ],
  });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['424', '500'],
  );
  assert.equal(await snapshot(), before);
});

test('a store without compare-and-set or patchData still serves PATCH and deactivation (one process only)', async () => {
  const memory = new MemorySessionStore();
  const bare: SessionStore = {
    create: (d, o) => memory.create(d, o),
    load: (i, t) => memory.load(i, t),
    save: (i, d) => memory.save(i, d),
    destroy: (i) => memory.destroy(i),
    get: (i, c, k) => memory.get(i, c, k),
    set: (i, c, k, v) => memory.set(i, c, k, v),
    delete: (i, c, k) => memory.delete(i, c, k),
    list: (i, c) => memory.list(i, c),
  };
  const { a, sid } = await twoEngines(bare);
  assert.is((await a.call({ method: 'PATCH', url: `/rest/Parameters/MyParameter?sid=${sid}`, body: { Value: 'v' } })).status, 204);
  assert.is((await a.call({ method: 'PATCH', url: `/rest/Sessions/${sid}`, body: { Page: 'P' } })).status, 204);
  assert.is((await a.call({ method: 'PATCH', url: `/rest/Roles/MyRole?sid=${sid}`, body: { IsActive: false } })).status, 204);
  assert.equal(((await memory.get(sid, 'parameters', 'MyParameter')) as { Value: string }).Value, 'v');
  assert.is((await memory.load(sid, 60_000))!.Page, 'P');
  assert.equal(await memory.list(sid, 'meta'), []);
});

test('sameJson compares JSON values whatever their key order; absent equals only absent', () => {
  const cases: Array<[unknown, unknown, boolean]> = [
    [1, 1, true],
    [1, '1', false],
    [null, null, true],
    [null, {}, false],
    [[], {}, false],
    [{ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: 1 }, { a: 1, b: null }, false],
    [{ a: 1, c: 2 }, { a: 1, b: 2 }, false],
    [[1, 2], [2, 1], false],
    [undefined, null, false],
    [undefined, undefined, true],
  ];
  for (const [a, b, same] of cases) assert.is(sameJson(a as never, b as never), same, JSON.stringify([a, b]));
  assert.is(canonicalJson({ b: 1, a: { d: [], c: null } }), '{"a":{"c":null,"d":[]},"b":1}');
  assert.is(canonicalJson(undefined), undefined);
});

test.run();
