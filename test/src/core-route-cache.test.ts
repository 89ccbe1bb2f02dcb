import 'reflect-metadata';
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

test.run();
