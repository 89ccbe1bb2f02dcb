import 'reflect-metadata';
import { createEngine, exagoApi, type HandlerContext } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// A whole-value reference places an earlier result's frozen snapshot in a payload. A route whose
// schema names a default has ajv's useDefaults write into its payload, so the engine copied such a
// payload whole: a list of 10,000 items placed by reference 40 times became 40 lists of their own.
// Now only the objects on the way to a place the schema names a default for are copied; the rest
// stays shared (and frozen).

type Seen = { body: Record<string, unknown> };
const seen: Seen[] = [];

const row = { type: 'object', properties: { y: { type: 'number', default: 0 }, tags: { type: 'array' } } };

const Src = {
  name: 'Src',
  session: 'none' as const,
  routes: [{ method: 'POST' as const, path: '', handle: (ctx: HandlerContext) => ctx.body }],
};

function keeping(path: string, schema: object) {
  return {
    method: 'POST' as const,
    path,
    schema,
    handle: (ctx: HandlerContext) => {
      seen.push({ body: ctx.body as Record<string, unknown> });
      return { ok: true };
    },
  };
}

const Keep = {
  name: 'Keep',
  session: 'none' as const,
  routes: [
    keeping('top', { type: 'object', properties: { list: { type: 'array' }, flag: { type: 'boolean', default: true } } }),
    keeping('nested', {
      type: 'object',
      properties: { inner: { type: 'object', properties: { x: { type: 'number', default: 1 }, deep: { type: 'array' } } } },
    }),
    keeping('rows', { type: 'object', properties: { rows: { type: 'array', items: row } } }),
    keeping('allOf', { type: 'object', properties: { inner: { allOf: [{ type: 'object', properties: { x: { default: 1 } } }] } } }),
  ],
};

const api = exagoApi();
const call = createDirectCaller(createEngine({ apis: [{ ...api, resources: [...api.resources, Src, Keep] }] }));

async function run(payload: unknown, path: string, placed: unknown): Promise<{ body: Record<string, unknown>; source: unknown }> {
  seen.length = 0;
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Src', Method: 'POST', Payload: payload },
      { Url: `Keep/${path}`, Method: 'POST', Payload: placed },
    ],
  });
  const items = res.body as Array<{ ReturnCode: string; ResponseContent: unknown }>;
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['201', '201', '201'],
  );
  assert.is(seen.length, 1);
  return { body: (seen[0] as Seen).body, source: items[1]!.ResponseContent };
}

test('a default at the top: the payload object is copied and gets it, the list placed by reference is shared', async () => {
  const { body, source } = await run({ list: [1, 2, 3] }, 'top', { list: '$ref:1/body/list' });
  assert.is(body.flag, true);
  assert.not.ok(Object.isFrozen(body));
  assert.ok(Object.isFrozen(body.list), 'the list is the earlier result itself, not a copy');
  assert.equal(body.list, [1, 2, 3]);
  assert.equal(source, { list: [1, 2, 3] });
});

test('a default inside a member: that member is copied and gets it, what it holds without defaults is shared', async () => {
  const { body, source } = await run({ deep: ['a'], other: { z: 1 } }, 'nested', { inner: '$ref:1/body' });
  const inner = body.inner as Record<string, unknown>;
  assert.is(inner.x, 1);
  assert.not.ok(Object.isFrozen(inner));
  assert.ok(Object.isFrozen(inner.deep));
  assert.ok(Object.isFrozen(inner.other));
  // The earlier result is as it was: the default went into the copy.
  assert.equal(source, { deep: ['a'], other: { z: 1 } });
});

test('defaults in the items of a list: the list and each item are copied, what the items hold is shared', async () => {
  const { body, source } = await run([{ tags: ['t'] }, { y: 5, tags: [] }], 'rows', { rows: '$ref:1/body' });
  const rows = body.rows as Array<Record<string, unknown>>;
  assert.equal(
    rows.map((r) => r.y),
    [0, 5],
  );
  assert.not.ok(Object.isFrozen(rows));
  assert.ok(Object.isFrozen(rows[0]!.tags));
  assert.equal(source, [{ tags: ['t'] }, { y: 5, tags: [] }]);
});

test('a default under a keyword the copy does not follow (allOf): that member is copied whole', async () => {
  const { body, source } = await run({ deep: ['a'] }, 'allOf', { inner: '$ref:1/body' });
  const inner = body.inner as Record<string, unknown>;
  assert.is(inner.x, 1);
  assert.not.ok(Object.isFrozen(inner.deep));
  assert.equal(source, { deep: ['a'] });
});

test.run();
