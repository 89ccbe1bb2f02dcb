import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createEngine, Delete, exagoApi, Get, type HandlerContext, Resource } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

@Resource('Items', { session: 'none' })
class ItemsResource {
  @Get(':id')
  read(ctx: HandlerContext) {
    return { id: ctx.params.id };
  }

  @Delete(':id')
  remove(ctx: HandlerContext) {
    return { removed: ctx.params.id };
  }

  @Get(':id/rename')
  rename(ctx: HandlerContext) {
    // Route matches are shared by every call of the same path: their params are read-only.
    (ctx.params as Record<string, string>).id = 'changed';
    return { id: ctx.params.id };
  }
}

function caller() {
  const exago = exagoApi();
  return createDirectCaller(
    createEngine({ apis: [{ ...exago, resources: [...exago.resources, ItemsResource] }], logger: { error: () => {} } }),
  );
}

type Item = { ReturnCode: string; ResponseContent: { id?: string; removed?: string; code?: string } };

/** Exago batches open with `POST Sessions`: the answers after it. */
async function run(call: ReturnType<typeof caller>, calls: Array<{ Url: string; Method: string }>): Promise<Item[]> {
  const response = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, ...calls] });
  return (response.body as Item[]).slice(1);
}

test('a path called again, in the same batch or the next, gets its own decoded params each time', async () => {
  const call = caller();
  const body = [
    { Url: 'Items/a%20b', Method: 'GET' },
    { Url: 'Items/c', Method: 'GET' },
    { Url: 'Items/a%20b', Method: 'GET' },
  ];
  for (let round = 0; round < 2; round++) {
    const items = await run(call, body);
    assert.equal(
      items.map((i) => i.ResponseContent.id),
      ['a b', 'c', 'a b'],
    );
  }
});

test('a handler cannot change the params that later calls of the same path see: the write fails the call alone', async () => {
  const call = caller();
  const body = [
    { Url: 'Items/x/rename', Method: 'GET' },
    { Url: 'Items/x/rename', Method: 'GET' },
  ];
  const items = await run(call, body);
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['500', '500'],
  );
  const again = await run(call, [{ Url: 'Items/x', Method: 'GET' }]);
  assert.equal(again[0]?.ResponseContent, { id: 'x' });
});

test('one path called with several methods in a row gets each method its own route, or 405 where it has none', async () => {
  const call = caller();
  const body = [
    { Url: 'Items/k', Method: 'GET' },
    { Url: 'Items/k', Method: 'DELETE' },
    { Url: 'Items/k', Method: 'PATCH' },
    { Url: 'Items/k', Method: 'GET' },
  ];
  for (let round = 0; round < 2; round++) {
    const items = await run(call, body);
    assert.equal(
      items.map((i) => i.ReturnCode),
      ['200', '200', '405', '200'],
    );
    assert.equal(items[1]?.ResponseContent, { removed: 'k' });
    assert.is(items[2]?.ResponseContent.code, 'METHOD_NOT_ALLOWED');
    assert.equal(items[3]?.ResponseContent, { id: 'k' });
  }
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes of the heap in use once garbage is collected. */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('the shapes of reference paths that clients invent are not kept: long ones cost memory only while their batch runs', async () => {
  const call = caller();
  // A reference fills the middle segment, so the route is looked for by the path's shape before
  // the batch runs; the last segment is long text no route matches (the batch is then refused:
  // Exago's references may not choose the resource). Before, each shape was kept for the life of
  // the engine (1024 of them, each its key's ~500 KB): the heap grew by about 60 MB here and
  // stayed there, 0.5 GB per API once the cache was full.
  const long = '\u0100'.repeat(250_000);
  const before = heapUsed();
  for (let i = 0; i < 60; i++) {
    const response = await call({
      url: '/rest/batch',
      body: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: `Items/\${0/status}/${i}a${long}`, Method: 'GET' },
        { Url: `Items/\${0/status}/${i}b${long}`, Method: 'GET' },
      ],
    });
    assert.is(response.status, 400);
    assert.is((response.body as { code: string }).code, 'BATCH_RULE_VIOLATION');
  }
  const grown = heapUsed() - before;
  assert.ok(grown < 10 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(1)} MB`);
});

test('a shape used again still reaches its route after more new shapes than are kept', async () => {
  const call = caller();
  const read = { Url: 'Items/${0/status}', Method: 'GET' };
  assert.equal((await run(call, [read]))[0]?.ResponseContent, { id: '201' });
  for (let i = 0; i < 1100; i++) {
    // Refused whole (a reference would choose the route), after its shape was looked up.
    const other = await call({
      url: '/rest/batch',
      body: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: `Items/\${0/status}/x${i}`, Method: 'GET' },
      ],
    });
    assert.is(other.status, 400);
  }
  assert.equal((await run(call, [read]))[0]?.ResponseContent, { id: '201' });
});

test.run();
