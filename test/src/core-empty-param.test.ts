import 'reflect-metadata';
import {
  createEngine,
  Delete,
  type Engine,
  exagoApi,
  Get,
  guidewireDialect,
  type HandlerContext,
  odataDialect,
  Patch,
  Resource,
} from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// A path parameter names a segment's text; an empty segment (a trailing slash, `//`) names nothing.
// The routes are registered with `ignoreTrailingSlash: false`, so `/Widgets/` is not `/Widgets`
// either: such a path reaches no route (404), alone and in every dialect, as `/Widgets/special/`
// already did. find-my-way itself matches `/Widgets/` to `/Widgets/:id` with `id: ""`.
@Resource('Widgets')
class Widgets {
  @Get('')
  list() {
    return [{ id: '1' }];
  }

  @Get('special')
  special() {
    return { special: true };
  }

  @Get(':id')
  read(ctx: HandlerContext) {
    return { id: ctx.params.id };
  }

  @Patch(':id')
  update(ctx: HandlerContext) {
    return { patched: ctx.params.id };
  }

  @Delete(':id')
  remove(ctx: HandlerContext) {
    return { deleted: ctx.params.id };
  }

  @Get(':id/parts/:partId')
  part(ctx: HandlerContext) {
    return { id: ctx.params.id, partId: ctx.params.partId };
  }
}

function engineOf(): Engine {
  const exago = exagoApi();
  return createEngine({
    apis: [
      { ...exago, resources: [...exago.resources, Widgets] },
      {
        base: '/api',
        resources: [Widgets],
        batch: [
          { path: 'gw', dialect: guidewireDialect() },
          { path: '$batch', dialect: odataDialect() },
        ],
      },
    ],
  });
}

const EMPTY = [
  ['GET', 'Widgets/'],
  ['DELETE', 'Widgets/'],
  ['PATCH', 'Widgets/'],
  ['GET', 'Widgets/1/parts/'],
  ['GET', 'Widgets/special/'],
] as const;

test('an empty path parameter matches no route alone: 404 ROUTE_NOT_FOUND, not a handler called with ""', async () => {
  const engine = engineOf();
  try {
    for (const [method, path] of EMPTY) {
      const res = await engine.inject({ method, url: `/api/${path}`, ...(method === 'PATCH' ? { body: {} } : {}) });
      assert.is(res.status, 404, `${method} ${path}: ${res.body}`);
      assert.ok(res.body.includes('ROUTE_NOT_FOUND'), res.body);
    }
    // The same routes with their parameters still answer.
    assert.equal((await engine.inject({ url: '/api/Widgets' })).json(), [{ id: '1' }]);
    assert.equal((await engine.inject({ url: '/api/Widgets/7' })).json(), { id: '7' });
    assert.equal((await engine.inject({ url: '/api/Widgets/7/parts/2' })).json(), { id: '7', partId: '2' });
  } finally {
    await engine.close();
  }
});

test('an empty path parameter matches no route in a Guidewire, an OData and an Exago batch', async () => {
  const engine = engineOf();
  try {
    const gw = await engine.inject({
      url: '/api/gw',
      body: {
        requests: EMPTY.map(([method, path]) => ({
          method: method.toLowerCase(),
          path: `/${path}`,
          ...(method === 'PATCH' ? { data: {} } : {}),
        })),
      },
    });
    assert.equal(
      (gw.json() as { responses: Array<{ status: number }> }).responses.map((r) => r.status),
      EMPTY.map(() => 404),
    );
    const od = await engine.inject({
      url: '/api/$batch',
      body: {
        requests: EMPTY.map(([method, path], i) => ({ id: `r${i}`, method, url: `/${path}`, ...(method === 'PATCH' ? { body: {} } : {}) })),
      },
    });
    assert.equal(
      (od.json() as { responses: Array<{ status: number }> }).responses.map((r) => r.status),
      EMPTY.map(() => 404),
    );
    const ex = await engine.inject({
      url: '/rest/batch',
      body: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Widgets/', Method: 'GET' },
      ],
    });
    assert.is((ex.json() as Array<{ ReturnCode: string }>)[1]!.ReturnCode, '404');
  } finally {
    await engine.close();
  }
});

test.run();
