// The headers of every answer of an OData API, over node:http: the JSON answers name their metadata
// (JSON Format 4.01 §4.1), every answer carries OData-Version whether or not the request named one
// (Protocol §8.1.5), and a Microsoft Graph client's response objects spell only Content-Type (and
// Content-Language) Graph's way, every other name in lower case.
import { createServer, type Server } from 'node:http';
import { type ApiOptions, createEngine, type Engine, type HandlerContext, odataDialect, RestBatchError, reply } from '@restbatch/core';
import { claimApi } from '@restbatch/example-server';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ODATA_JSON = 'application/json; metadata=none; charset=utf-8';

/** `/service`: an OData API (its errors are OData's, as an API whose first batch endpoint is OData). */
function serviceApi(): ApiOptions {
  return {
    base: '/service',
    resources: [
      {
        name: 'Things',
        routes: [
          { method: 'GET', path: 'none', handle: () => reply(204) },
          {
            method: 'GET',
            path: 'minimal',
            handle: () => reply(200, { a: 1 }, { 'Content-Type': 'application/json;odata.metadata=minimal' }),
          },
          { method: 'GET', path: 'text', handle: () => reply(200, 'hello', { 'content-type': 'text/plain' }) },
          { method: 'GET', path: 'gone', handle: () => Promise.reject(new RestBatchError('NOT_FOUND', 'No such thing')) },
          {
            method: 'GET',
            path: ':id',
            handle: (ctx: HandlerContext) =>
              reply(200, { id: ctx.params.id }, { ETag: '"5"', Location: `/service/Things/${ctx.params.id}`, 'X-Trace': 't' }),
          },
        ],
      },
    ],
    batch: [{ path: '$batch', dialect: odataDialect() }],
  };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

async function withServer(apis: ApiOptions[], run: (send: (path: string, init?: RequestInit) => Promise<Answer>) => Promise<void>) {
  const engine: Engine = createEngine({ apis });
  const server: Server = createServer(createHttpHandler(engine));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await run(async (path, init) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return { status: res.status, headers, text: await res.text() };
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await engine.close();
  }
}

const batch = (requests: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ requests }),
});

for (const [client, headers] of [
  ['an OData client (OData-Version: 4.01)', { 'OData-Version': '4.01' }],
  ['a Microsoft Graph client (no OData-Version)', {}],
] as const) {
  test(`JSON §4.1 "Responses MUST include the metadata parameter", Protocol §8.1.5 "OData services MUST include the OData-Version header on a response": the batch answer to ${client}`, async () => {
    await withServer([serviceApi()], async (send) => {
      const res = await send('/service/$batch', batch([{ id: '1', method: 'get', url: 'Things/a' }], headers));
      assert.is(res.status, 200);
      assert.is(res.headers['content-type'], ODATA_JSON);
      assert.is(res.headers['odata-version'], '4.01');
    });
  });

  test(`JSON §4.1, Protocol §8.1.5: a batch refused whole answers ${client} with the same Content-Type and OData-Version`, async () => {
    await withServer([serviceApi()], async (send) => {
      const res = await send('/service/$batch', batch({}, headers));
      assert.is(res.status, 400);
      assert.is(JSON.parse(res.text).error.code, 'BATCH_MALFORMED');
      assert.is(res.headers['content-type'], ODATA_JSON);
      assert.is(res.headers['odata-version'], '4.01');
    });
  });
}

test('Protocol §8.1.5: a streamed (NDJSON) answer to a client that names no version carries OData-Version; its media type is NDJSON, which has no metadata parameter', async () => {
  await withServer([serviceApi()], async (send) => {
    const res = await send('/service/$batch', batch([{ id: '1', method: 'get', url: 'Things/a' }], { accept: 'application/x-ndjson' }));
    assert.is(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^application\/x-ndjson/);
    assert.is(res.headers['odata-version'], '4.01');
  });
});

test('JSON §4.1, Protocol §8.1.5: an ordinary call of an OData API answers OData-Version: 4.01 and names its metadata, an error and a 204 too', async () => {
  await withServer([serviceApi()], async (send) => {
    const ok = await send('/service/Things/a');
    assert.is(ok.status, 200);
    assert.is(ok.headers['content-type'], ODATA_JSON);
    assert.is(ok.headers['odata-version'], '4.01');
    const text = await send('/service/Things/text');
    assert.is(text.headers['content-type'], ODATA_JSON, 'the body is JSON, whatever the handler named');
    const missing = await send('/service/Things/gone');
    assert.is(missing.status, 404);
    assert.is(missing.headers['content-type'], ODATA_JSON);
    assert.is(missing.headers['odata-version'], '4.01');
    const none = await send('/service/Things/none');
    assert.is(none.status, 204);
    assert.is(none.headers['content-type'], undefined);
    assert.is(none.headers['odata-version'], '4.01');
    const unknown = await send('/service/Nothing');
    assert.is(unknown.status, 404);
    assert.is(unknown.headers['odata-version'], '4.01');
  });
});

test('an ordinary call whose handler names its own JSON media type keeps it', async () => {
  await withServer([serviceApi()], async (send) => {
    const res = await send('/service/Things/minimal');
    assert.is(res.headers['content-type'], 'application/json;odata.metadata=minimal');
    assert.is(res.headers['odata-version'], '4.01');
  });
});

test('Protocol §8.2.7 "the greatest supported OData-Version less than or equal to the specified OData-MaxVersion": an ordinary call with OData-MaxVersion: 4.0 is answered in 4.0, with odata.metadata (JSON §3.1 "MUST include the odata. prefix")', async () => {
  await withServer([serviceApi()], async (send) => {
    const res = await send('/service/Things/a', { headers: { 'OData-MaxVersion': '4.0' } });
    assert.is(res.headers['odata-version'], '4.0');
    assert.is(res.headers['content-type'], 'application/json; odata.metadata=none; charset=utf-8');
    const newer = await send('/service/Things/a', { headers: { 'OData-MaxVersion': '4.01' } });
    assert.is(newer.headers['odata-version'], '4.01');
  });
});

test("an API whose errors are not OData's (the claim API: Guidewire's) answers its ordinary calls as before: no OData-Version, plain JSON", async () => {
  await withServer([claimApi()], async (send) => {
    const res = await send('/rest/claim/v1/claims/cc:22');
    assert.is(res.status, 200);
    assert.is(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.is(res.headers['odata-version'], undefined);
  });
});

test('a Microsoft Graph client gets Content-Type under that spelling and every other header name in lower case, however the handler wrote it', async () => {
  await withServer([serviceApi()], async (send) => {
    const res = await send('/service/$batch', batch([{ id: '1', method: 'get', url: 'Things/a' }]));
    const [item] = JSON.parse(res.text).responses;
    assert.equal(item.headers, { etag: '"5"', location: '/service/Things/a', 'x-trace': 't', 'Content-Type': 'application/json' });
  });
});

test.run();
