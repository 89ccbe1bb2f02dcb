// Dot segments in a request object's url are resolved, as a relative reference's are: OData JSON
// 4.01 §19.1 "the relative path is resolved relative to the batch request URL (i.e. relative to the
// service root)", and RFC 3986 §5.2 resolution removes them (§5.2.4 remove_dot_segments). A url
// such as `./items/a` was refused 400 INVALID_PATH. A `..` that would climb above the service root
// names nothing of this service: that request fails with 400 URL_OUTSIDE_API, the rest runs.
import { createEngine, type Engine, type HandlerContext, odataDialect, reply } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

function engineOf(): Engine {
  return createEngine({
    apis: [
      {
        base: '/api/v1',
        resources: [
          {
            name: 'items',
            routes: [
              { method: 'POST', path: '', handle: () => reply(201, { made: 'n1' }, { location: '/api/v1/items/n1' }) },
              { method: 'GET', path: ':id/sub', handle: (ctx: HandlerContext) => ({ sub: ctx.params.id, query: ctx.query }) },
              { method: 'GET', path: ':id', handle: (ctx: HandlerContext) => ({ id: ctx.params.id, query: ctx.query }) },
            ],
          },
        ],
        batch: [{ path: '$batch', dialect: odataDialect() }],
      },
    ],
  });
}

type Item = {
  id: string;
  status: number;
  body?: { id?: string; sub?: string; query?: unknown; error?: { code: string; message: string } };
};

async function run(requests: unknown[]): Promise<Item[]> {
  const engine = engineOf();
  try {
    const res = await createDirectCaller(engine)({ url: '/api/v1/$batch', headers: { 'odata-version': '4.01' }, body: { requests } });
    assert.is(res.status, 200, JSON.stringify(res.body));
    return (res.body as { responses: Item[] }).responses;
  } finally {
    await engine.close();
  }
}

const get = (id: string, url: string) => ({ id, method: 'get', url });

for (const url of [
  './items/a',
  'items/./a',
  'items/b/../a',
  'items/b/c/../../a',
  '/api/v1/./items/a',
  '/api/v1/items/b/../a',
  '/items/./a',
]) {
  test(`§19.1 "resolved relative to the batch request URL", RFC 3986 §5.2.4 remove_dot_segments: ${url} is items/a`, async () => {
    const [item] = await run([get('1', url)]);
    assert.is(item?.status, 200, JSON.stringify(item?.body));
    assert.is(item?.body?.id, 'a');
  });
}

test('RFC 3986 §5.2.4: a trailing . or .. leaves a trailing slash, and the query is not touched', async () => {
  const [sub, query] = await run([get('1', 'items/a/sub/x/..'), get('2', 'items/./a?path=./../x')]);
  // `/items/a/sub/`, which the router (as for an ordinary call) does not read as `/items/a/sub`.
  assert.is(sub?.status, 404);
  assert.match(sub?.body?.error?.message ?? '', 'No resource at /items/a/sub/');
  assert.equal(query?.body?.query, { path: './../x' });
});

for (const url of ['../items/a', 'items/../../v1/items/a', '/api/v1/../v1/items/a', '/..', './..']) {
  test(`§19.1 "relative to the service root": ${url} climbs above the service root and fails alone with 400 URL_OUTSIDE_API`, async () => {
    const [outside, next] = await run([get('1', url), get('2', 'items/a')]);
    assert.is(outside?.status, 400);
    assert.is(outside?.body?.error?.code, 'URL_OUTSIDE_API');
    assert.match(outside?.body?.error?.message ?? '', /climbs with \.\. above the service root \/api\/v1/);
    assert.is(next?.status, 200);
  });
}

test('§19.1 "$<id> ... replaced with the URL of the entity": $1/./sub is $1/sub; a .. above $1 is refused 400 INVALID_PATH (the entity URL is known only once request 1 ran)', async () => {
  const items = await run([
    { id: '1', method: 'post', url: 'items', body: {} },
    { id: '2', dependsOn: ['1'], method: 'get', url: '$1/./sub' },
    { id: '3', dependsOn: ['1'], method: 'get', url: '$1/../a' },
  ]);
  assert.equal(
    items.map((r) => r.status),
    [201, 200, 400],
  );
  assert.is(items[1]?.body?.sub, 'n1');
  assert.is(items[2]?.body?.error?.code, 'INVALID_PATH');
});

test('an encoded dot segment (%2e) is not resolved: it is refused 400 INVALID_PATH, as in an ordinary call', async () => {
  const [item] = await run([get('1', 'items/b/%2e%2e/a')]);
  assert.is(item?.status, 400);
  assert.is(item?.body?.error?.code, 'INVALID_PATH');
});

test.run();
