// OData 4.01 rules an outside review found broken, quoted per test: header names a handler writes in
// mixed case (RFC 9110 §5.1: case-insensitive) are found by `$<id>` references; a relative
// Location is resolved as a URL (Protocol §11.7.5, §11.7.7); `if` takes operator names in any case
// (OData-URL §5.1.1.1); error `details` entries carry code and message (JSON §21.1); a streamed
// answer carries OData-Version (Protocol §8.1.5); an absolute URL's default port matches the Host.
import { createServer, type Server } from 'node:http';
import { type ApiOptions, createEngine, type Engine, type HandlerContext, odataDialect, reply } from '@restbatch/core';
import { createDirectCaller, type DirectResponse } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

interface Item {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** `/service`: Things answer mixed-case headers; Customers are created with a Location of `location` spelling. */
function serviceApi(location: (name: string) => string): ApiOptions {
  const customers = new Map<string, string>();
  return {
    base: '/service',
    resources: [
      {
        name: 'Things',
        routes: [
          { method: 'GET', path: ':id', handle: (ctx: HandlerContext) => reply(200, { id: ctx.params.id }, { ETag: '"5"' }) },
          {
            method: 'PATCH',
            path: ':id',
            handle: (ctx: HandlerContext) =>
              ctx.headers['if-match'] === '"5"' ? { patched: true } : reply(412, { wrong: ctx.headers['if-match'] }),
          },
          { method: 'GET', path: '', handle: () => reply(200, 'hello', { 'Content-Type': 'application/vnd.things+json' }) },
        ],
      },
      {
        name: 'Customers',
        routes: [
          {
            method: 'POST',
            path: '',
            handle: (ctx: HandlerContext) => {
              const name = (ctx.body as { name: string }).name;
              customers.set(name, name);
              return reply(201, { name }, { Location: location(name) });
            },
          },
          { method: 'GET', path: ':name/Orders', handle: (ctx: HandlerContext) => ({ customer: ctx.params.name }) },
        ],
      },
    ],
    batch: [{ path: '$batch', dialect: odataDialect() }],
  };
}

async function run(engine: Engine, requests: unknown[], headers: Record<string, string> = {}): Promise<Item[]> {
  const res: DirectResponse = await createDirectCaller(engine)({ url: '/service/$batch', headers, body: { requests } });
  assert.is(res.status, 200, JSON.stringify(res.body));
  return (res.body as { responses: Item[] }).responses;
}

test('Protocol §11.7.6 "The ETag for a previous operation can be referenced by using the request identifier prefixed with a $": an ETag the handler wrote as `ETag`', async () => {
  const engine = createEngine({ apis: [serviceApi((n) => `/service/Customers/${n}`)] });
  try {
    const items = await run(engine, [
      { id: '1', method: 'get', url: 'Things/a' },
      { id: '2', dependsOn: ['1'], method: 'patch', url: 'Things/a', headers: { 'if-match': '$1' }, body: {} },
    ]);
    assert.equal(
      items.map((i) => [i.id, i.status]),
      [
        ['1', 200],
        ['2', 200],
      ],
    );
    assert.equal(items[1]!.body, { patched: true });
  } finally {
    await engine.close();
  }
});

test('a Content-Type the handler wrote as `Content-Type` is the item content type', async () => {
  const engine = createEngine({ apis: [serviceApi((n) => `/service/Customers/${n}`)] });
  try {
    const [item] = await run(engine, [{ id: '1', method: 'get', url: 'Things' }], { 'OData-Version': '4.01' });
    assert.equal(item!.headers['content-type'], 'application/vnd.things+json');
    assert.is(item!.body, 'hello');
  } finally {
    await engine.close();
  }
});

for (const [label, location] of [
  ['`Location` in mixed case, absolute path', (n: string) => `/service/Customers/${n}`],
  ["relative (§11.7.7 example: `Customers('ALFKI')` style, resolved against the request URL)", (n: string) => `Customers/${n}`],
  ['absolute URI', (n: string) => `http://service.example/service/Customers/${n}`],
] as const) {
  test(`Protocol §11.7.5 "Services MUST treat this segment like the URL in the Location header": ${label}`, async () => {
    const engine = createEngine({ apis: [serviceApi(location)] });
    try {
      const items = await run(engine, [
        { id: '1', method: 'post', url: 'Customers', body: { name: 'ALFKI' } },
        { id: '2', dependsOn: ['1'], method: 'get', url: '$1/Orders' },
      ]);
      assert.equal(
        items.map((i) => [i.id, i.status]),
        [
          ['1', 201],
          ['2', 200],
        ],
      );
      assert.equal(items[1]!.body, { customer: 'ALFKI' });
    } finally {
      await engine.close();
    }
  });
}

test('OData-URL §5.1.1.1 "4.01 Services MUST support case-insensitive operator names": NOT and AND in if', async () => {
  const engine = createEngine({ apis: [serviceApi((n) => `/service/Customers/${n}`)] });
  try {
    const items = await run(
      engine,
      [
        { id: 'a', method: 'get', url: 'Nothing' },
        { id: 'b', method: 'get', url: 'Things/x' },
        { id: 'c', method: 'get', url: 'Things/c', if: 'NOT $a/$succeeded' },
        { id: 'd', method: 'get', url: 'Things/d', if: '$b/$Succeeded AND Not $a/$succeeded' },
        { id: 'e', method: 'get', url: 'Things/e', if: '$b/$succeeded And $a/$succeeded' },
      ],
      { prefer: 'continue-on-error' },
    );
    assert.equal(
      items.map((i) => [i.id, i.status]),
      [
        ['a', 404],
        ['b', 200],
        ['c', 200],
        ['d', 200],
        ['e', 412],
      ],
    );
  } finally {
    await engine.close();
  }
});

test('JSON §21.1 "details ... MUST contain name/value pairs for code and message": the engine details go to innererror', async () => {
  const engine = createEngine({ apis: [serviceApi((n) => `/service/Customers/${n}`)] });
  try {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'get', url: 'Things/a' }));
    const res = await createDirectCaller(engine)({ url: '/service/$batch', body: { requests } });
    assert.is(res.status, 400);
    const error = (res.body as { error: { code: string; details?: unknown; innererror?: { details?: unknown } } }).error;
    assert.is(error.code, 'BATCH_TOO_MANY_REQUESTS');
    assert.is(error.details, undefined);
    assert.equal(error.innererror?.details, [{ count: 21, limit: 20 }]);
  } finally {
    await engine.close();
  }
});

test('Protocol §11.7 "Individual requests within a batch request are evaluated according to the same semantics used when the request appears outside the context of a batch": a body of another media type than JSON is 415 in its slot', async () => {
  const engine = createEngine({ apis: [serviceApi((n) => `/service/Customers/${n}`)] });
  try {
    const items = await run(
      engine,
      [
        { id: '1', method: 'post', url: 'Customers', headers: { 'content-type': 'application/xml' }, body: { name: 'A' } },
        { id: '2', method: 'post', url: 'Customers', headers: { 'Content-Type': 'text/plain' }, body: 'name=B' },
        {
          id: '3',
          method: 'post',
          url: 'Customers',
          headers: { 'content-type': 'application/json;odata.metadata=minimal' },
          body: { name: 'C' },
        },
      ],
      { prefer: 'continue-on-error' },
    );
    assert.equal(
      items.map((i) => [i.id, i.status, (i.body as { error?: { code: string } }).error?.code]),
      [
        ['1', 415, 'UNSUPPORTED_MEDIA_TYPE'],
        ['2', 415, 'UNSUPPORTED_MEDIA_TYPE'],
        ['3', 201, undefined],
      ],
    );
  } finally {
    await engine.close();
  }
});

test('Protocol §7 "If the service does not support the requested format, it replies with a 406 Not Acceptable error response"', async () => {
  const engine = createEngine({ apis: [serviceApi((n) => `/service/Customers/${n}`)] });
  try {
    const call = createDirectCaller(engine);
    const body = { requests: [{ id: '1', method: 'get', url: 'Things/a' }] };
    for (const [headers, url] of [
      [{ accept: 'application/xml' }, '/service/$batch'],
      [{ accept: 'multipart/mixed' }, '/service/$batch'],
      [{ accept: 'application/json;q=0, text/html' }, '/service/$batch'],
      [{ 'odata-version': '4.01' }, '/service/$batch?$format=xml'],
    ] as const) {
      const res = await call({ url, headers, body });
      assert.is(res.status, 406, JSON.stringify(headers));
      assert.is((res.body as { error: { code: string } }).error.code, 'NOT_ACCEPTABLE');
    }
    const versioned = await call({ url: '/service/$batch?$format=xml', headers: { 'odata-version': '4.01' }, body });
    assert.is(versioned.headers['odata-version'], '4.01');
    for (const [headers, url] of [
      [{ accept: 'application/json;odata.metadata=minimal' }, '/service/$batch'],
      [{ accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }, '/service/$batch'],
      [{ accept: 'application/x-ndjson' }, '/service/$batch'],
      [{}, '/service/$batch?$format=json'],
      [{}, '/service/$batch?$format=application/json;odata.metadata=full'],
    ] as const) {
      assert.is((await call({ url, headers, body })).status, 200, JSON.stringify([headers, url]));
    }
  } finally {
    await engine.close();
  }
});

/** Serves `engine` on node:http; answers its port and a closer. */
async function serve(engine: Engine): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer(createHttpHandler(engine));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await engine.close();
    },
  };
}

test('Protocol §8.1.5 "MUST include the OData-Version header on a response": a streamed (NDJSON) answer too', async () => {
  const { port, close } = await serve(createEngine({ apis: [serviceApi((n) => `/service/Customers/${n}`)] }));
  try {
    const res = await fetch(`http://127.0.0.1:${port}/service/$batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'odata-version': '4.01', accept: 'application/x-ndjson' },
      body: JSON.stringify({ requests: [{ id: '1', method: 'get', url: 'Things/a' }] }),
    });
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /x-ndjson/);
    assert.is(res.headers.get('odata-version'), '4.01');
    await res.text();
  } finally {
    await close();
  }
});

test('an absolute URL without the default port names the service a Host with `:80` names', async () => {
  const engine = createEngine({ apis: [serviceApi((n) => `/service/Customers/${n}`)] });
  try {
    const res = await createDirectCaller(engine)({
      url: '/service/$batch',
      headers: { host: 'service.example:80' },
      body: { requests: [{ id: '1', method: 'get', url: 'http://service.example/service/Things/a' }] },
    });
    assert.equal(
      (res.body as { responses: Item[] }).responses.map((i) => i.status),
      [200],
    );
  } finally {
    await engine.close();
  }
});

test.run();
