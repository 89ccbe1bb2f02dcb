// A failed response object names the media type of its body, the one the same call alone answers
// with: OData 4.01 Protocol §11.7 "individual requests ... are evaluated according to the same
// semantics used when the request appears outside the context of a batch"; JSON §19.5 "If the media
// type is not exactly equal to application/json ... the headers object MUST contain a name/value
// pair with the name content-type whose value is the media type". An API whose errors are problem
// details answered `application/problem+json` alone, but its failed response objects said
// `application/json` over the same body.
import 'reflect-metadata';
import { createEngine, type Engine, type HandlerContext, odataDialect, problemDetails, RestBatchError } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { BatchRequestContent, BatchResponseContent } from '@microsoft/microsoft-graph-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';

function engineOf(errors?: typeof problemDetails): Engine {
  return createEngine({
    apis: [
      {
        base: '/api',
        ...(errors === undefined ? {} : { errors }),
        resources: [
          {
            name: 'items',
            routes: [
              {
                method: 'GET',
                path: ':id',
                handle: (ctx: HandlerContext) => {
                  if (ctx.params.id === 'x') throw new RestBatchError('NOT_FOUND', 'no x');
                  return { id: ctx.params.id };
                },
              },
            ],
          },
        ],
        batch: [{ path: '$batch', dialect: odataDialect() }],
      },
    ],
  });
}

type Item = { id: string; status: number; headers: Record<string, string>; body?: unknown };

const REQUESTS = [
  { id: '1', method: 'get', url: 'items/x' },
  { id: '2', method: 'get', url: 'items/y' },
];

test('Protocol §11.7 "the same semantics used when the request appears outside the context of a batch": errors: problemDetails, an OData client: a failed response object says application/problem+json, as the call alone', async () => {
  const engine = engineOf(problemDetails);
  try {
    const call = createDirectCaller(engine);
    const alone = await call({ method: 'GET', url: '/api/items/x' });
    assert.is(alone.status, 404);
    assert.is(alone.headers['content-type'], 'application/problem+json');
    const res = await call({ url: '/api/$batch', headers: { 'odata-version': '4.01' }, body: { requests: REQUESTS } });
    const [failed, ok] = (res.body as { responses: Item[] }).responses;
    assert.is(failed?.status, 404);
    assert.equal(failed?.body, alone.body);
    assert.is(failed?.headers['content-type'], 'application/problem+json');
    // A response object that succeeded keeps its handler's media type.
    assert.is(ok?.headers['content-type'], 'application/json');
  } finally {
    await engine.close();
  }
});

test('errors: problemDetails, a Microsoft Graph client: a failed response object says Content-Type: application/json, the one type under which the Graph JS client reads its body as JSON', async () => {
  const engine = engineOf(problemDetails);
  try {
    const call = createDirectCaller(engine);
    const alone = await call({ method: 'GET', url: '/api/items/x' });
    const batch = new BatchRequestContent([
      { id: '1', request: new Request('https://host.example/api/items/x') },
      { id: '2', request: new Request('https://host.example/api/items/y') },
    ]);
    const res = await call({ url: '/api/$batch', body: await batch.getContent() });
    const [failed] = (res.body as { responses: Item[] }).responses;
    assert.is(failed?.headers['Content-Type'], 'application/json');
    const read = new BatchResponseContent(res.body as never).getResponseById('1');
    assert.is(read.status, 404);
    assert.equal(await read.json(), alone.body);
  } finally {
    await engine.close();
  }
});

test('JSON §19.5: a streamed (NDJSON) failed response object names application/problem+json too', async () => {
  const engine = engineOf(problemDetails);
  const s = await listen(createHttpHandler(engine));
  try {
    const res = await fetch(`${s.url}/api/$batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson', 'odata-version': '4.01' },
      body: JSON.stringify({ requests: REQUESTS }),
    });
    assert.is(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Item);
    assert.is(lines[0]?.id, '1');
    assert.is(lines[0]?.headers['content-type'], 'application/problem+json');
  } finally {
    await s.close();
    await engine.close();
  }
});

test("an API whose errors are OData's: a failed response object says application/json, its error body's media type", async () => {
  const engine = engineOf();
  try {
    const res = await createDirectCaller(engine)({
      url: '/api/$batch',
      headers: { 'odata-version': '4.01' },
      body: { requests: REQUESTS },
    });
    const [failed] = (res.body as { responses: Item[] }).responses;
    assert.is(failed?.headers['content-type'], 'application/json');
    assert.is((failed?.body as { error?: { code: string } } | undefined)?.error?.code, 'NOT_FOUND');
  } finally {
    await engine.close();
  }
});

test.run();
