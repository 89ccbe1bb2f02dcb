// OData Protocol 4.01 §9.4 (Error Response Body): "The Content-Language header MUST contain the
// language code from [RFC5646] corresponding to the language in which the value for message is
// written". Every error an OData API answers says its language: a batch refused whole, an ordinary
// call, and each failed response object of a batch (§11.7: a request in a batch means what it means
// alone). Checked in-process and over node:http, where the header is on the wire.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiOptions, createEngine, type Engine, type HandlerContext, odataDialect, reply } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

interface Item {
  id: string;
  status: number;
  headers: Record<string, string>;
}

function serviceApi(errorLanguage?: string): ApiOptions {
  return {
    base: '/service',
    resources: [
      {
        name: 'Things',
        routes: [
          { method: 'GET', path: ':id', handle: (ctx: HandlerContext) => ({ id: ctx.params.id }) },
          { method: 'GET', path: 'german/:id', handle: () => reply(404, { nicht: 'gefunden' }, { 'Content-Language': 'de' }) },
        ],
      },
    ],
    batch: [{ path: '$batch', dialect: odataDialect(errorLanguage === undefined ? {} : { errorLanguage }) }],
  };
}

async function withServer(engine: Engine, fn: (url: string) => Promise<void>): Promise<void> {
  const server: Server = createServer(createHttpHandler(engine));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const unknown = (id: string) => ({ id, method: 'get', url: 'Nothing/here' });
const thing = (id: string) => ({ id, method: 'get', url: `Things/${id}` });

test('§9.4: a failed response object says the language of its message; a successful one says none', async () => {
  const engine = createEngine({ apis: [serviceApi()] });
  try {
    const call = createDirectCaller(engine);
    const odata = await call({
      url: '/service/$batch',
      headers: { 'OData-Version': '4.01' },
      body: { requests: [thing('a'), unknown('b')] },
    });
    const [ok, failed] = (odata.body as { responses: Item[] }).responses;
    assert.is(failed!.status, 404);
    assert.is(failed!.headers['content-language'], 'en');
    assert.is(ok!.headers['content-language'], undefined);
    // A Microsoft Graph client (no OData-Version) gets Graph's casing, as for Content-Type.
    const graph = await call({ url: '/service/$batch', body: { requests: [unknown('b')] } });
    const [graphFailed] = (graph.body as { responses: Item[] }).responses;
    assert.is(graphFailed!.headers['Content-Language'], 'en');
  } finally {
    await engine.close();
  }
});

test("§9.4: a handler's own Content-Language on a failed answer is kept", async () => {
  const engine = createEngine({ apis: [serviceApi()] });
  try {
    const res = await createDirectCaller(engine)({
      url: '/service/$batch',
      headers: { 'OData-Version': '4.01' },
      body: { requests: [{ id: '1', method: 'get', url: 'Things/german/x' }] },
    });
    const [item] = (res.body as { responses: Item[] }).responses;
    assert.is(item!.status, 404);
    assert.is(item!.headers['content-language'], 'de');
  } finally {
    await engine.close();
  }
});

test('§9.4 over node:http: a batch refused whole, and an ordinary call that fails, carry Content-Language: en; a batch answered 200 does not', async () => {
  const engine = createEngine({ apis: [serviceApi()] });
  try {
    await withServer(engine, async (url) => {
      const tooMany = { requests: Array.from({ length: 21 }, (_, i) => thing(`t${i}`)) };
      const refused = await fetch(`${url}/service/$batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'odata-version': '4.01' },
        body: JSON.stringify(tooMany),
      });
      assert.is(refused.status, 400);
      assert.is(refused.headers.get('content-language'), 'en');
      assert.is(refused.headers.get('odata-version'), '4.01');
      assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'BATCH_TOO_MANY_REQUESTS');

      const alone = await fetch(`${url}/service/Nothing/here`);
      assert.is(alone.status, 404);
      assert.is(alone.headers.get('content-language'), 'en');
      assert.ok(((await alone.json()) as { error: { message: string } }).error.message.length > 0);

      const answered = await fetch(`${url}/service/$batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'odata-version': '4.01' },
        body: JSON.stringify({ requests: [unknown('1')] }),
      });
      assert.is(answered.status, 200);
      assert.is(answered.headers.get('content-language'), null);
      const [item] = ((await answered.json()) as { responses: Item[] }).responses;
      assert.is(item!.headers['content-language'], 'en');
    });
  } finally {
    await engine.close();
  }
});

test('§9.4 over node:http: a streamed answer says the language in each failed item, not in its head', async () => {
  const engine = createEngine({ apis: [serviceApi()] });
  try {
    assert.equal(engine.streamHeaders('/service/$batch', { 'odata-version': '4.01' }), { 'odata-version': '4.01' });
    await withServer(engine, async (url) => {
      const res = await fetch(`${url}/service/$batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'odata-version': '4.01', accept: 'application/x-ndjson' },
        body: JSON.stringify({ requests: [thing('a'), unknown('b')] }),
      });
      assert.is(res.status, 200);
      assert.is(res.headers.get('odata-version'), '4.01');
      assert.is(res.headers.get('content-language'), null);
      const lines = (await res.text())
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Partial<Item>);
      const failed = lines.find((line) => line.id === 'b');
      assert.is(failed?.headers?.['content-language'], 'en');
    });
  } finally {
    await engine.close();
  }
});

test('odataDialect({ errorLanguage }) names the language of messages the handlers write in another', async () => {
  const engine = createEngine({ apis: [serviceApi('fr')] });
  try {
    const call = createDirectCaller(engine);
    const res = await call({ url: '/service/$batch', headers: { 'OData-Version': '4.01' }, body: { requests: [unknown('1')] } });
    assert.is((res.body as { responses: Item[] }).responses[0]!.headers['content-language'], 'fr');
    const alone = await call({ method: 'GET', url: '/service/Nothing/here' });
    assert.is(alone.status, 404);
    assert.is(alone.headers['content-language'], 'fr');
  } finally {
    await engine.close();
  }
});

test.run();
